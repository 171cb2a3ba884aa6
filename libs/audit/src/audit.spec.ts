import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageRecord, Manifest } from '@leakproof/ingest';
import { auditManifest } from './audit.js';
import { hashFiles } from './hash-pool.js';
import { hashImageFile } from './image-hash.js';
import { parsePolicy } from './policy.js';
import { auditReportSchema } from './report-schema.js';
import { renderAuditHtml, buildThumbnails } from './render-html.js';
import { renderAuditMarkdown, renderAuditTable } from './render-text.js';
import { renderJUnit } from './render-junit.js';
import { fakeRadiographJpeg } from './test-images.js';

let root: string;
let manifest: Manifest;

async function put(path: string, bytes: Buffer, patient: string): Promise<ImageRecord> {
  const abs = join(root, path);
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, bytes);
  const st = await stat(abs);
  const [split, label] = path.split('/') as [string, string];
  return { path, split, label, patient, size: st.size, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'audit-spec-'));
  const images: ImageRecord[] = [];
  for (let i = 0; i < 24; i++) {
    const split = i < 14 ? 'train' : 'test';
    const label = i % 2 ? 'PNEUMONIA' : 'NORMAL';
    images.push(await put(`${split}/${label}/p${i}.jpeg`, await fakeRadiographJpeg(100 + i, 160), `p${i}`));
  }
  const src = (i: number) => readFile(join(root, (images[i] as ImageRecord).path));
  images.push(await put('test/NORMAL/copy.jpeg', await src(0), 'c1'));
  images.push(await put('test/NORMAL/lossless.png', await sharp(await src(2)).png().toBuffer(), 'c2'));
  images.push(await put('test/NORMAL/resized.jpeg', await sharp(await src(4)).resize(120, 120).jpeg({ quality: 60 }).toBuffer(), 'c3'));
  images.push(await put('test/NORMAL/cropped.jpeg', await sharp(await src(6)).extract({ left: 3, top: 3, width: 154, height: 154 }).toBuffer(), 'c4'));
  images.push(await put('test/PNEUMONIA/p1-again.jpeg', await fakeRadiographJpeg(999, 160), 'p1'));
  images.push(await put('train/PNEUMONIA/relabelled.jpeg', await src(8), 'c5'));
  images.push(await put('train/NORMAL/within.jpeg', await src(10), 'c6'));
  images.push(await put('test/NORMAL/broken.jpeg', (await src(12)).subarray(0, 300), 'c7'));
  manifest = { schemaVersion: 1, root, layout: 'folders', idRule: 'test', images, problems: [{ path: 'train/NORMAL/empty.jpeg', kind: 'empty-file', message: 'the file is empty (0 bytes)', severity: 'error' }] };
});

describe('auditManifest', () => {
  it('finds each kind of leak once, keeps bad inputs listed, and fails the verdict', async () => {
    const cacheDir = join(root, '..', `${root.split('/').pop()}-cache`);
    const report = await auditManifest(manifest, { policy: parsePolicy({}), cacheDir, workers: 2 });
    // the report is exactly what the schema describes: parsing strips nothing and changes nothing
    expect(auditReportSchema.parse(report)).toEqual(report);
    const leaks = report.findings.map((f) => `${f.kind} ${f.pathA ?? ''} ${f.pathB ?? ''} ${f.patient ?? ''}`.trim()).sort();
    expect(leaks).toEqual(
      [
        'exact test/NORMAL/copy.jpeg train/NORMAL/p0.jpeg',
        'label-conflict train/NORMAL/p8.jpeg train/PNEUMONIA/relabelled.jpeg',
        'near test/NORMAL/cropped.jpeg train/NORMAL/p6.jpeg',
        'near test/NORMAL/resized.jpeg train/NORMAL/p4.jpeg',
        'patient test/PNEUMONIA/p1-again.jpeg train/PNEUMONIA/p1.jpeg p1',
        'pixel test/NORMAL/lossless.png train/NORMAL/p2.jpeg',
      ].sort(),
    );
    expect(report.verdict).toBe('fail');
    expect(report.info.withinSplitDuplicates).toEqual([{ split: 'train', kind: 'exact', paths: ['train/NORMAL/p10.jpeg', 'train/NORMAL/within.jpeg'] }]);
    expect(report.problems.map((p) => `${p.kind} ${p.path}`)).toEqual(['empty-file train/NORMAL/empty.jpeg', 'truncated test/NORMAL/broken.jpeg']);
    expect(report.splits.map((s) => [s.name, s.images])).toEqual([['train', 16], ['test', 16]]);
    expect(report.timings.hashedFresh).toBe(manifest.images.length);

    const warm = await auditManifest(manifest, { policy: parsePolicy({}), cacheDir, workers: 2 });
    expect(warm.timings.fromCache).toBe(manifest.images.length);
    expect(warm.findings).toEqual(report.findings);
    expect(warm.fingerprint).toBe(report.fingerprint);

    const md = renderAuditMarkdown(report);
    expect(md).toContain('FAIL');
    expect(renderAuditTable(report)).toContain('near');
    const html = renderAuditHtml(report, { thumbnails: await buildThumbnails(report) });
    expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(report.findings.length * 2);
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    const junit = renderJUnit([report]);
    expect(junit).toContain('failures="5"');
  });

  it('turns allowlisted findings into info and warn checks into warnings: the verdict passes', async () => {
    const policy = parsePolicy({
      checks: { exact: 'warn', pixel: 'warn', near: 'warn', 'label-conflict': 'off' },
      allowlist: { patients: [{ patient: 'p1', reason: 'same child by design: follow-up study' }] },
    });
    const report = await auditManifest(manifest, { policy, cacheDir: null, workers: 1 });
    expect(report.verdict).toBe('pass');
    expect(report.findings.filter((f) => f.severity === 'warn')).toHaveLength(4);
    expect(report.findings.find((f) => f.kind === 'patient')).toMatchObject({ severity: 'info', allowedBecause: 'same child by design: follow-up study' });
    expect(report.findings.some((f) => f.kind === 'label-conflict')).toBe(false);
    expect(report.policyHash).not.toBe((await auditManifest(manifest, { policy: parsePolicy({}), cacheDir: null, workers: 1 })).policyHash);
  });

  it('hashes on plain-JS worker threads (no tsx loader) with the same results as in-thread', async () => {
    const paths = manifest.images.slice(0, 20).map((r) => join(root, r.path));
    const pooled = await hashFiles(paths, { workers: 2, fallback: false });
    const direct = await Promise.all(paths.map((p) => hashImageFile(p)));
    expect(pooled).toEqual(direct);
  });
});
