import { createHash } from 'node:crypto';
import { mkdtemp, readFile, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest, type ImageRecord, type Manifest } from '@leakproof/ingest';
import { auditManifest, defaultPolicy } from '@leakproof/audit';
import { nearEditKinds, plantNearPairs } from '@leakproof/synth';

// Real radiographs from the in-repo sample (Kermany, Zhang, Goldbaum, Mendeley Data, doi:10.17632/rscbjbr9sj.2,
// CC BY 4.0); the heavy version with 200 pairs per kind and the whole real split is bench/audit-near-recall.ts.
const sample = join(import.meta.dirname, '../data/sample/chest_xray');
const PER_KIND = 20;

describe('near-duplicates that survive real edits (sample radiographs, 20 planted pairs per kind)', () => {
  it('finds every planted copy across splits, whatever the edit, and nothing between different children', async () => {
    const root = await mkdtemp(join(tmpdir(), 'near-edits-'));
    await symlink(join(sample, 'train'), join(root, 'train'));
    await symlink(join(sample, 'test'), join(root, 'test'));
    const originals = (await buildManifest(root)).images;
    const planted = await plantNearPairs(originals.map((r) => r.path), root, join(root, 'copies'), { perKind: PER_KIND, seed: 7 });
    const labelOf = new Map(originals.map((r) => [r.path, r.label]));
    const copies: ImageRecord[] = await Promise.all(
      planted.map(async (p, k) => {
        const path = `copies/${p.copy}`;
        const bytes = await readFile(join(root, path));
        const st = await stat(join(root, path));
        return { path, split: 'copies', label: labelOf.get(p.source) as string, patient: `copy-${k}`, size: st.size, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(bytes).digest('hex') };
      }),
    );
    const manifest: Manifest = { schemaVersion: 1, root, layout: 'folders', idRule: 'test', images: [...originals, ...copies], problems: [] };
    const report = await auditManifest(manifest, { policy: defaultPolicy, cacheDir: null });

    const linked = new Set(report.findings.filter((f) => f.kind === 'near' || f.kind === 'exact' || f.kind === 'pixel').map((f) => [f.pathA, f.pathB].sort().join(' ~ ')));
    const missed = planted.filter((p) => !linked.has([p.source, `copies/${p.copy}`].sort().join(' ~ ')));
    expect(missed.map((p) => `${p.kind}: ${p.detail}`)).toEqual([]);
    const plantedKeys = new Set(planted.map((p) => [p.source, `copies/${p.copy}`].sort().join(' ~ ')));
    const strays = report.findings.filter((f) => f.kind !== 'label-conflict' && !plantedKeys.has([f.pathA, f.pathB].sort().join(' ~ ')));
    expect(strays.map((f) => f.detail)).toEqual([]);
    expect(planted.map((p) => p.kind)).toEqual(nearEditKinds.flatMap((k) => Array<string>(PER_KIND).fill(k)));
    expect(report.info.nearCandidates / report.timings.images).toBeLessThan(4);
  });
});
