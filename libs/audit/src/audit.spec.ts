import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeGray, type DecodeOptions, type ImageRecord, type Manifest } from '@leakproof/ingest';
import { auditManifest, candidateKey } from './audit.js';
import { hashFiles } from './hash-pool.js';
import { hashImageFile } from './image-hash.js';
import { verifyPairs } from './verify-pairs.js';
import { parsePolicy } from './policy.js';
import { auditReportSchema, type AuditReport } from './report-schema.js';
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
  describe('on a manifest with one of each kind of leak, bad inputs and a cold then warm hash cache', () => {
    let report: AuditReport;
    let warm: AuditReport;

    beforeAll(async () => {
      const cacheDir = join(root, '..', `${root.split('/').pop()}-cache`);
      report = await auditManifest(manifest, { policy: parsePolicy({}), cacheDir, workers: 2 });
      warm = await auditManifest(manifest, { policy: parsePolicy({}), cacheDir, workers: 2 });
    });

    it('returns exactly what the report schema describes (parsing strips and changes nothing)', () => {
      expect(auditReportSchema.parse(report)).toEqual(report);
    });

    it('finds each planted cross-split leak once, with its kind', () => {
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
    });

    it('fails the verdict under the default policy', () => {
      expect(report.verdict).toBe('fail');
    });

    it('lists a duplicate within one split as info, not as a leak', () => {
      expect(report.info.withinSplitDuplicates).toEqual([{ split: 'train', kind: 'exact', paths: ['train/NORMAL/p10.jpeg', 'train/NORMAL/within.jpeg'] }]);
    });

    it('keeps bad inputs listed as problems: the manifest\'s empty file and the truncated JPEG it finds', () => {
      expect(report.problems.map((p) => `${p.kind} ${p.path}`)).toEqual(['empty-file train/NORMAL/empty.jpeg', 'truncated test/NORMAL/broken.jpeg']);
    });

    it('counts every image of each split', () => {
      expect(report.splits.map((s) => [s.name, s.images])).toEqual([['train', 16], ['test', 16]]);
    });

    it('hashes every image fresh on a cold cache', () => {
      expect(report.timings.hashedFresh).toBe(manifest.images.length);
    });

    it('takes every hash from a warm cache with the same findings and fingerprint', () => {
      expect(warm.timings.fromCache).toBe(manifest.images.length);
      expect(warm.findings).toEqual(report.findings);
      expect(warm.fingerprint).toBe(report.fingerprint);
      expect(warm.info.nearCandidates).toBe(report.info.nearCandidates);
    });

    it('keys the cached candidate set by everything stage 2 reads: splits, labels, hash records, policy', async () => {
      const hashes = await hashFiles(manifest.images.map((r) => join(root, r.path)), { workers: 1 });
      const policy = parsePolicy({});
      const key = candidateKey(manifest.images, hashes, policy);
      const moved = manifest.images.map((r, i) => (i === 3 ? { ...r, split: 'test' } : r));
      const relabelled = manifest.images.map((r, i) => (i === 3 ? { ...r, label: 'OTHER' } : r));
      expect(candidateKey(manifest.images, hashes, policy)).toBe(key);
      expect(candidateKey(moved, hashes, policy)).not.toBe(key);
      expect(candidateKey(relabelled, hashes, policy)).not.toBe(key);
      expect(candidateKey(manifest.images, [...hashes].reverse(), policy)).not.toBe(key);
      expect(candidateKey(manifest.images, hashes, parsePolicy({ near: { perImage: 5 } }))).not.toBe(key);
    });

    it('renders the verdict in Markdown and the findings in the table', () => {
      expect(renderAuditMarkdown(report)).toContain('FAIL');
      expect(renderAuditTable(report)).toContain('near');
    });

    it('renders HTML with an inline thumbnail pair per finding and no external references', async () => {
      const html = renderAuditHtml(report, { thumbnails: await buildThumbnails(report) });
      expect(html.match(/<img src="data:image\/png;base64,/g)?.length).toBe(report.findings.length * 2);
      expect(html).not.toMatch(/(src|href)="(?!data:)/);
    });

    it('renders JUnit with one failing case per check kind that has a failing finding (5 kinds)', () => {
      expect(renderJUnit([report])).toContain('failures="5"');
    });
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

  it('says nothing was compared when the dataset has one split, instead of "no leakage found"', async () => {
    const trainOnly = { ...manifest, images: manifest.images.filter((i) => i.split === 'train' && i.path.startsWith('train/') && !i.path.includes('relabelled') && !i.path.includes('within')), problems: [] };
    const report = await auditManifest(trainOnly, { policy: parsePolicy({}), cacheDir: null, workers: 1 });
    expect(report.findings).toEqual([]);
    for (const text of [renderAuditTable(report), renderAuditMarkdown(report), renderAuditHtml(report)]) {
      expect(text).toContain('Only one split (train): there is nothing to leak between yet');
      expect(text).not.toContain('No leakage found');
    }
  });

  it('hashes on plain-JS worker threads (no tsx loader) with the same results as in-thread', async () => {
    const paths = manifest.images.slice(0, 20).map((r) => join(root, r.path));
    const pooled = await hashFiles(paths, { workers: 2, fallback: false });
    const direct = await Promise.all(paths.map((p) => hashImageFile(p)));
    expect(pooled).toEqual(direct);
  });

  describe('fails closed when a candidate pair cannot be verified', () => {
    const resized = 'test/NORMAL/resized.jpeg';
    const failingFor = (fails: (path: string, options: DecodeOptions) => boolean) => async (path: string, options: DecodeOptions) => {
      if (fails(path, options)) throw new Error('injected decode failure');
      return decodeGray(path, options);
    };

    /** Simulates records written without a comparison view (another producer): verification must read the file again. */
    async function dropViews(cacheDir: string, suffix: string): Promise<void> {
      const [file] = (await readdir(cacheDir)).filter((f) => f.startsWith('audit-hashes-'));
      const path = join(cacheDir, file as string);
      const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { path?: string; entry?: { result: { view?: string } }; pairs?: unknown });
      for (const line of lines) if (line.path?.endsWith(suffix)) delete line.entry?.result.view;
      await writeFile(path, `${lines.filter((l) => !l.pairs).map((l) => JSON.stringify(l)).join('\n')}\n`);
    }

    it('reports the pair as unverified (policy: fail by default, warn on request) and never caches the failure', async () => {
      const cacheDir = await mkdtemp(join(tmpdir(), 'audit-unverified-cache-'));
      await auditManifest(manifest, { policy: parsePolicy({}), cacheDir, workers: 1 });
      await dropViews(cacheDir, resized);
      const decode = failingFor((path) => path.endsWith(resized));
      const report = await auditManifest(manifest, { policy: parsePolicy({}), cacheDir, workers: 1, decode });
      const unverified = report.findings.filter((f) => f.kind === 'unverified');
      expect(unverified).toEqual([expect.objectContaining({ severity: 'fail', pathA: resized, pathB: 'train/NORMAL/p4.jpeg' })]);
      expect(unverified[0]?.reason).toMatch(/resized\.jpeg: cannot decode it again \(injected decode failure\)/);
      expect(report.findings.some((f) => f.kind === 'near' && f.pathA === resized)).toBe(false);
      expect(report.verdict).toBe('fail');

      const warned = await auditManifest(manifest, { policy: parsePolicy({ checks: { unverified: 'warn' } }), cacheDir, workers: 1, decode });
      expect(warned.findings.find((f) => f.kind === 'unverified')?.severity).toBe('warn');

      const healed = await auditManifest(manifest, { policy: parsePolicy({}), cacheDir, workers: 1 });
      expect(healed.findings.some((f) => f.kind === 'unverified')).toBe(false);
      expect(healed.findings.some((f) => f.kind === 'near' && f.pathA === resized)).toBe(true);
    });

    it('verifyPairs: a view that never loads or a comparison that throws is { ok: false, reason }; a load that fails once is retried alone', async () => {
      const attempts = new Map<number, number>();
      const load = async (i: number): Promise<number> => {
        attempts.set(i, (attempts.get(i) ?? 0) + 1);
        if (i === 3) throw new Error('file 3 is gone');
        if (i === 2 && attempts.get(i) === 1) throw new Error('spurious');
        return i;
      };
      const out = await verifyPairs([{ a: 0, b: 1 }, { a: 1, b: 2 }, { a: 2, b: 3 }, { a: 0, b: 4 }], {
        load,
        compare: (x, y) => {
          if (y === 4) throw new Error('boom');
          return x + y;
        },
      });
      expect(out).toEqual([{ ok: true, score: 1 }, { ok: true, score: 3 }, { ok: false, reason: 'file 3 is gone' }, { ok: false, reason: 'the comparison failed: boom' }]);
      expect(attempts.get(2)).toBe(2);
      expect(attempts.get(3)).toBe(2);
    });

    it('verifyPairs in chunks: the same outcomes, and never more views held than one chunk needs', async () => {
      const pairs = Array.from({ length: 50 }, (_, k) => ({ a: k % 17, b: (k * 7 + 3) % 31 }));
      const compare = (x: number, y: number): number => x * 100 + y;
      const whole = await verifyPairs(pairs, { load: async (i: number) => i, compare });
      let live = 0;
      let most = 0;
      const loads: number[] = [];
      const chunked = await verifyPairs(pairs, {
        chunk: 4,
        load: async (i: number) => {
          loads.push(i);
          most = Math.max(most, ++live);
          return i;
        },
        compare,
        onDone: (done) => {
          if (done % 4 === 0) live = 0;
        },
      });
      expect(chunked).toEqual(whole);
      expect(most).toBeLessThanOrEqual(8);
      expect(loads.length).toBeGreaterThan(31);
    });

    it('retries a failed decode once, alone, before it becomes a problem', async () => {
      const failedOnce = new Set<string>();
      const decode = failingFor((path, o) => {
        const key = `${path}@${o.size ?? 'full'}`;
        if (failedOnce.has(key)) return false;
        failedOnce.add(key);
        return true;
      });
      const report = await auditManifest(manifest, { policy: parsePolicy({}), cacheDir: null, workers: 1, decode });
      expect(report.findings.some((f) => f.kind === 'unverified')).toBe(false);
      expect(report.findings.filter((f) => f.kind === 'near')).toHaveLength(2);
      expect(report.problems.map((p) => p.path)).toEqual(['train/NORMAL/empty.jpeg', 'test/NORMAL/broken.jpeg']);
    });

    it('a file that vanishes after hashing: verified on the hashed content, or unverified when its record has no view', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'audit-vanish-'));
      const original = await fakeRadiographJpeg(321, 160);
      const records: ImageRecord[] = [];
      for (const [path, bytes] of [['train/NORMAL/a.jpeg', original], ['test/NORMAL/a-small.jpeg', await sharp(original).resize(100, 100).jpeg({ quality: 50 }).toBuffer()]] as const) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), bytes);
        const st = await stat(join(dir, path));
        records.push({ path, split: path.split('/')[0] as string, label: 'NORMAL', patient: path, size: st.size, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') });
      }
      const small: Manifest = { schemaVersion: 1, root: dir, layout: 'folders', idRule: 'test', images: records, problems: [] };
      const cacheDir = await mkdtemp(join(tmpdir(), 'audit-vanish-cache-'));
      const vanishAfterHashing = (p: { phase: string; done: number; total: number }): void => {
        if (p.phase === 'hash' && p.done === p.total) rmSync(join(dir, 'test/NORMAL/a-small.jpeg'), { force: true });
      };
      const report = await auditManifest(small, { policy: parsePolicy({}), cacheDir, workers: 1, onProgress: vanishAfterHashing });
      expect(report.findings.map((f) => f.kind)).toEqual(['near']);
      await dropViews(cacheDir, 'a-small.jpeg');
      const again = await auditManifest(small, { policy: parsePolicy({}), cacheDir, workers: 1 });
      expect(again.findings.map((f) => [f.kind, f.severity])).toEqual([['unverified', 'fail']]);
      expect(again.findings[0]?.reason).toMatch(/a-small\.jpeg: cannot read it again \(ENOENT\)/);
    });
  });
});
