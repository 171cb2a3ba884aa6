// Descriptor index options on the real train split with planted edited copies: candidates per image, time per
// image and recall of the planted pairs among the candidates (before verification), for the flat inverted lists
// (AUDIT v2), the k-means tree at several budgets, 'auto' (the default) and an exact scan of every base.
// Run: flock /tmp/leakproof-bench.lock node --import tsx bench/audit-index-options.ts [--per-kind 200] [--dump /tmp/leakproof-index-options.json]
// The planted set is hashed once and its codes kept in --dump (reused while it exists).
// Images: ../shared/data/chest_xray_224/train (Kermany, Zhang, Goldbaum, Mendeley Data, doi:10.17632/rscbjbr9sj.2, CC BY 4.0).
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCodes, defaultDescriptorSearch, descriptorCandidates, hashFiles, type DescriptorSearchOptions } from '@leakproof/audit';
import { buildManifest } from '@leakproof/ingest';
import { plantNearPairs } from '@leakproof/synth';

interface Dump {
  images: { split: string; label: string }[];
  pairs: { kind: string; a: number; b: number }[];
  codes: (string | null)[];
}

const args = process.argv.slice(2);
const perKind = args.includes('--per-kind') ? Number(args[args.indexOf('--per-kind') + 1]) : 200;
const dumpPath = args.includes('--dump') ? String(args[args.indexOf('--dump') + 1]) : join(tmpdir(), `leakproof-index-options-${perKind}.json`);
const sharedRoot = join(import.meta.dirname, '../../shared/data/chest_xray_224');

async function plantedCodes(): Promise<Dump> {
  if (existsSync(dumpPath)) return JSON.parse(await readFile(dumpPath, 'utf8')) as Dump;
  const originals = (await buildManifest(sharedRoot)).images;
  const root = await mkdtemp(join(tmpdir(), 'index-options-'));
  try {
    await symlink(join(sharedRoot, 'train'), join(root, 'train'));
    const planted = await plantNearPairs(originals.map((r) => r.path), root, join(root, 'test'), { perKind, seed: 1 });
    const bySource = new Map(originals.map((r, i) => [r.path, i]));
    const records = await hashFiles([...originals.map((r) => join(root, r.path)), ...planted.map((p) => join(root, 'test', p.copy))]);
    const dump: Dump = {
      images: [...originals.map((r) => ({ split: 'train', label: r.label })), ...planted.map((p) => ({ split: 'test', label: (originals[bySource.get(p.source) as number] as { label: string }).label }))],
      pairs: planted.map((p, k) => ({ kind: p.kind, a: bySource.get(p.source) as number, b: originals.length + k })),
      codes: records.map((h) => (h.ok ? h.codes : null)),
    };
    await writeFile(dumpPath, JSON.stringify(dump));
    return dump;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const dump = await plantedCodes();
const items = dump.codes.flatMap((c, index) => (c ? [{ index, codes: decodeCodes(c) }] : []));
const relevant = (a: number, b: number): boolean => (dump.images[a] as Dump['images'][number]).split !== (dump.images[b] as Dump['images'][number]).split || (dump.images[a] as Dump['images'][number]).label !== (dump.images[b] as Dump['images'][number]).label;
const key = (a: number, b: number): number => (a < b ? a * 1e7 + b : b * 1e7 + a);
const kinds = [...new Set(dump.pairs.map((p) => p.kind))];
const options: [string, Partial<DescriptorSearchOptions>][] = [
  ['flat IVF, √(6n) lists, 6 probed (v2)', { index: 'flat-ivf' }],
  ['auto (default: flat up to 16,384 images)', {}],
  ['tree, leaves ~32, beam 4, 6 leaves', { index: 'tree', beam: 4, treeProbes: 6 }],
  ['tree, leaves ~32, beam 8, 8 leaves', { index: 'tree', beam: 8, treeProbes: 8 }],
  ['tree, leaves ~32, beam 8, 12 leaves', { index: 'tree', beam: 8, treeProbes: 12 }],
  ['tree, leaves ~32, beam 16, 48 leaves (default above 16,384)', { index: 'tree' }],
  ['tree, leaves ~16, beam 8, 16 leaves', { index: 'tree', leafSize: 16, treeProbes: 16 }],
  ['exact scan of every base (one leaf)', { index: 'tree', leafSize: 1e7 }],
];
console.log(`${items.length} images (${dump.pairs.length} planted copies); recall = planted pairs among the candidates; load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
console.log(`| option | candidates/img | µs/img | ${kinds.join(' | ')} |\n|---|---|---|${kinds.map(() => '---|').join('')}`);
for (const [name, o] of options) {
  const t = performance.now();
  const got = await descriptorCandidates(items, relevant, { ...defaultDescriptorSearch, ...o });
  const us = (1000 * (performance.now() - t)) / items.length;
  const set = new Set(got.map((p) => key(p.a, p.b)));
  const recall = kinds.map((kind) => {
    const mine = dump.pairs.filter((p) => p.kind === kind);
    return `${((100 * mine.filter((p) => set.has(key(p.a, p.b))).length) / mine.length).toFixed(1)}%`;
  });
  console.log(`| ${name} | ${(got.length / items.length).toFixed(2)} | ${us.toFixed(0)} | ${recall.join(' | ')} |`);
}
console.log(`(load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')})`);
