import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { buildManifest, kermanyPatient } from '@leakproof/ingest';
import { auditManifest, defaultPolicy } from '@leakproof/audit';

const realTrain = join(import.meta.dirname, '../../shared/data/chest_xray_224/train');
const haveReal = existsSync(realTrain);
if (!haveReal) console.warn(`skipping the real chest X-ray audit test: ${realTrain} is absent`);

/** Whole patients, deterministically, until about this many images: keeps the test near a minute on 2 cores. */
const IMAGE_BUDGET = 1500;

describe.skipIf(!haveReal)('audit on real chest X-rays (chest_xray_224/train split by patient)', () => {
  it('flags nothing between different patients, then finds each planted copy/edit with its kind', async () => {
    const byPatient = new Map<string, { label: string; file: string }[]>();
    for (const label of ['NORMAL', 'PNEUMONIA']) {
      for (const file of readdirSync(join(realTrain, label)).sort()) {
        const patient = kermanyPatient(file) ?? file;
        byPatient.set(patient, [...(byPatient.get(patient) ?? []), { label, file }]);
      }
    }
    // every 3rd patient (a spread over both classes and all series), alternating between the two parts
    const patients = [...byPatient.keys()].sort().filter((_, i) => i % 3 === 0);
    const root = join(await mkdtemp(join(tmpdir(), 'audit-real-')), 'chest');
    let count = 0;
    let part = 0;
    const trainFiles: { label: string; file: string }[] = [];
    for (const patient of patients) {
      if (count >= IMAGE_BUDGET) break;
      const split = part++ % 2 === 0 ? 'train' : 'test';
      for (const img of byPatient.get(patient) ?? []) {
        await mkdir(join(root, split, img.label), { recursive: true });
        await symlink(join(realTrain, img.label, img.file), join(root, split, img.label, img.file));
        if (split === 'train') trainFiles.push(img);
        count++;
      }
    }
    const cacheDir = join(root, '..', 'cache');
    const clean = await auditManifest(await buildManifest(root), { policy: defaultPolicy, cacheDir });
    console.info(`real X-rays: ${clean.timings.images} images, ${clean.info.nearCandidates} near candidates verified, ${clean.findings.length} findings, ${(clean.timings.totalMs / 1000).toFixed(1)} s`);
    // between the two parts (different patients): nothing at all; inside a part only label conflicts can remain
    expect(clean.findings.filter((f) => f.splitA !== f.splitB)).toEqual([]);
    expect(clean.findings.filter((f) => f.kind !== 'label-conflict')).toEqual([]);
    expect(clean.timings.images).toBe(count);
    expect(clean.verdict).toBe(clean.findings.some((f) => f.severity === 'fail') ? 'fail' : 'pass');

    // plant into the test part, under fresh patient IDs, edits of train images
    const pick = (k: number) => trainFiles[Math.floor((k * trainFiles.length) / 5) + 3] as { label: string; file: string };
    const source = (k: number) => join(realTrain, pick(k).label, pick(k).file);
    const edits: { kind: string; make: (src: string) => Promise<Buffer>; ext: string }[] = [
      { kind: 'exact', ext: 'jpeg', make: (s) => readFile(s) },
      { kind: 'pixel', ext: 'png', make: (s) => sharp(s).png().toBuffer() },
      { kind: 'near', ext: 'jpeg', make: (s) => sharp(s).resize(200, 200).jpeg({ quality: 60 }).toBuffer() },
      { kind: 'near', ext: 'jpeg', make: (s) => sharp(s).linear(1.12, 0).jpeg({ quality: 90 }).toBuffer() },
      {
        kind: 'near',
        ext: 'jpeg',
        make: async (s) => {
          const { width = 224, height = 224 } = await sharp(s).metadata();
          const dx = Math.round(width * 0.02);
          const dy = Math.round(height * 0.02);
          return sharp(s).extract({ left: dx, top: dy, width: width - 2 * dx, height: height - 2 * dy }).jpeg({ quality: 90 }).toBuffer();
        },
      },
    ];
    const planted: string[] = [];
    for (const [k, edit] of edits.entries()) {
      const src = pick(k);
      const name = src.label === 'NORMAL' ? `IM-${9100 + k}-0001.${edit.ext}` : `person${9100 + k}_bacteria_${9100 + k}.${edit.ext}`;
      await writeFile(join(root, 'test', src.label, name), await edit.make(source(k)));
      planted.push(`${edit.kind} test/${src.label}/${name} train/${src.label}/${src.file}`);
    }
    const leaky = await auditManifest(await buildManifest(root), { policy: defaultPolicy, cacheDir });
    const found = leaky.findings.filter((f) => f.splitA !== f.splitB).map((f) => `${f.kind} ${f.pathA} ${f.pathB}`);
    expect(found.sort()).toEqual(planted.sort());
    // each planted leak fails the default policy on its own (not only through the verdict)
    expect(leaky.findings.filter((f) => f.splitA !== f.splitB).map((f) => f.severity)).toEqual(planted.map(() => 'fail'));
    expect(leaky.verdict).toBe('fail');
    expect(leaky.timings.fromCache).toBe(clean.timings.images);
  });
});
