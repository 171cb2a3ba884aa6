// Audit cost against dataset size: real subsets (every 4th, 2nd, all of chest_xray_224/train, split in two by
// patient), synthetic sets with no planted leaks, and the candidate stage alone on generated descriptor codes.
// Prints images, candidates, per-stage time, per-image cost and peak RSS, with the naive single-thread loop
// (read + SHA-256 + decode + pixel hash + blockhash-core) measured in the same run as the baseline.
// Run (all parts): flock /tmp/leakproof-bench.lock node --import tsx bench/audit-scaling.ts
// Parts separately, each with its own same-run baseline: --only real | synthetic | codes
// Options: --synthetic 10000,100000  --codes 10000,100000,1000000  --queries 10000 (images that query at each code
// size)  --code-options flat-ivf,tree,auto  --tree-options '{"beam":16}'  --synth-dir /tmp (generated sets are kept there and reused)
// --generate-only: write the synthetic sets and stop (generation needs no quiet machine: run it niced, outside the lock)
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bmvbhash } from 'blockhash-core';
import { auditManifest, defaultDescriptorSearch, defaultPolicy, descriptorCandidates, DESCRIPTOR_DIMS, DESCRIPTORS_PER_IMAGE, pixelHash, type AuditReport, type DescriptorSearchOptions } from '@leakproof/audit';
import { buildManifest, decodeGray, type Manifest } from '@leakproof/ingest';
import { generateSyntheticDataset } from '@leakproof/synth';

const args = process.argv.slice(2);
const list = (name: string, fallback: number[]): number[] => (args.includes(name) ? String(args[args.indexOf(name) + 1]).split(',').map(Number) : fallback);
const sharedRoot = join(import.meta.dirname, '../../shared/data/chest_xray_224');
const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const f = (x: number, d = 1): string => x.toFixed(d);
const load = (): string => `load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`;
const only = args.includes('--only') ? String(args[args.indexOf('--only') + 1]) : null;
const part = (name: string): boolean => (only ? only === name : !(name === 'real' && args.includes('--skip-real')));

async function naiveMsPerImage(manifest: Manifest, count: number): Promise<number> {
  const images = manifest.images.filter((_, i) => i % Math.max(1, Math.floor(manifest.images.length / count)) === 0).slice(0, count);
  const start = performance.now();
  for (const r of images) {
    const bytes = await readFile(join(manifest.root, r.path));
    createHash('sha256').update(bytes).digest('hex');
    const gray = await decodeGray(bytes);
    pixelHash(gray);
    const rgba = new Uint8Array(gray.width * gray.height * 4);
    for (let i = 0, o = 0; i < gray.data.length; i++, o += 4) rgba[o] = rgba[o + 1] = rgba[o + 2] = gray.data[i] as number;
    for (let o = 3; o < rgba.length; o += 4) rgba[o] = 255;
    bmvbhash({ width: gray.width, height: gray.height, data: rgba }, 16);
  }
  return (performance.now() - start) / images.length;
}

function row(name: string, report: AuditReport, wallMs: number, naiveMs: number): string {
  const n = report.timings.images;
  const t = report.timings;
  return `| ${name} | ${n.toLocaleString('en')} | ${report.info.nearCandidates.toLocaleString('en')} (${f(report.info.nearCandidates / n, 2)}/img) | ${f(t.hashMs / 1000)} | ${f(t.indexMs / 1000)} | ${f(t.verifyMs / 1000)} | ${f(wallMs / 1000)} | ${f(wallMs / n, 2)} | ${f(naiveMs / (wallMs / n), 2)}× | ${report.findings.filter((x) => x.kind !== 'patient').length} | ${rssMb()} |`;
}

const header = '| set | images | candidates verified | hash s | index s | verify s | total s | ms/img | vs naive | findings | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|---|';

async function realSubsets(): Promise<void> {
  if (!existsSync(join(sharedRoot, 'train'))) return void console.log(`(skipping real subsets: ${sharedRoot}/train is absent)`);
  const full = await buildManifest(sharedRoot);
  const side = (p: string): string => (createHash('sha256').update(p).digest()[0]! % 2 ? 'train' : 'test');
  const all: Manifest = { ...full, images: full.images.map((r) => ({ ...r, split: side(r.patient) })) };
  const naiveMs = await naiveMsPerImage(all, 400);
  console.log(`naive single-thread loop on 400 real images: ${f(naiveMs, 2)} ms/img (${availableParallelism()} cores, shared with other agents: ratios, not absolute times, are the figure; ${load()})\n`);
  console.log(header);
  for (const step of [4, 2, 1]) {
    const manifest = { ...all, images: all.images.filter((_, i) => i % step === 0) };
    const cacheDir = await mkdtemp(join(tmpdir(), 'scaling-cache-'));
    const t = performance.now();
    const report = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
    console.log(`${row(`real, every ${step === 1 ? 'image' : `${step}${step === 2 ? 'nd' : 'th'}`}`, report, performance.now() - t, naiveMs)} ${load()}`);
    if (step === 1) {
      const w = performance.now();
      const warm = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
      console.log(`\nwarm re-audit of all ${warm.timings.images} images (${warm.timings.fromCache} from cache): ${f((performance.now() - w) / 1000, 2)} s`);
    }
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/** A synthetic set with no planted leaks, generated once under `--synth-dir` and reused by later runs. */
async function syntheticSet(n: number): Promise<{ dir: string; genS: number | null }> {
  const base = args.includes('--synth-dir') ? String(args[args.indexOf('--synth-dir') + 1]) : tmpdir();
  const dir = join(base, `leakproof-scaling-synth-v3-${n}`);
  if (existsSync(join(dir, '.complete'))) return { dir, genS: null };
  await rm(dir, { recursive: true, force: true });
  const t = performance.now();
  await generateSyntheticDataset(dir, { seed: n, patients: Math.ceil(n / 3), imagesPerPatient: 3, size: 224, leaks: [] });
  await writeFile(join(dir, '.complete'), new Date().toISOString());
  return { dir, genS: (performance.now() - t) / 1000 };
}

async function synthetic(sizes: number[]): Promise<void> {
  for (const n of sizes) {
    const { dir, genS } = await syntheticSet(n);
    const manifest = await buildManifest(dir);
    const naiveMs = await naiveMsPerImage(manifest, 300);
    const cacheDir = await mkdtemp(join(tmpdir(), 'scaling-cache-'));
    const t = performance.now();
    const report = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
    const wall = performance.now() - t;
    console.log(`\nsynthetic ${n.toLocaleString('en')} (${dir}, ${genS === null ? 'reused' : `generated in ${f(genS)} s`}, naive ${f(naiveMs, 2)} ms/img, no planted leaks, ${load()}):\n${header}\n${row(`synthetic ${n.toLocaleString('en')}`, report, wall, naiveMs)}`);
    for (const x of report.findings.filter((y) => y.kind !== 'patient').slice(0, 5)) console.log(`  finding: ${x.kind} ${x.detail}`);
    const w = performance.now();
    const warm = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
    const cacheMb = (await readdir(cacheDir)).reduce((sum, file) => sum + statSync(join(cacheDir, file)).size, 0) / 2 ** 20;
    console.log(`warm re-audit (${warm.timings.fromCache.toLocaleString('en')} from the hash cache, ${f(cacheMb, 0)} MB on disk, same findings: ${JSON.stringify(warm.findings) === JSON.stringify(report.findings)}): ${f((performance.now() - w) / 1000, 1)} s; peak RSS so far ${rssMb()} MB`);
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/**
 * Descriptor codes with the spread of real ones: a shared mean plus per-image deviations, clustered by "anatomy
 * type", and every 50th image an edited copy of one of the 40 before it (its base descriptor near one of the
 * source's variant descriptors, as an edit moves a real image's descriptor). Returns the planted (source, copy) pairs.
 */
function generatedCodes(n: number, seed: number): { items: { index: number; codes: Int8Array }[]; planted: [number, number][] } {
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const D = DESCRIPTOR_DIMS;
  const P = DESCRIPTORS_PER_IMAGE;
  const clamp = (x: number): number => Math.max(-127, Math.min(127, Math.round(x)));
  const types = Array.from({ length: 64 }, () => Float32Array.from({ length: D }, () => gauss() * 20));
  const items: { index: number; codes: Int8Array }[] = [];
  const planted: [number, number][] = [];
  for (let index = 0; index < n; index++) {
    const codes = new Int8Array(D * P);
    let base: Float32Array;
    if (index > 0 && index % 50 === 0) {
      const source = index - 1 - Math.floor(rnd() * Math.min(index, 40));
      const v = Math.floor(rnd() * P);
      const from = (items[source] as { codes: Int8Array }).codes;
      base = Float32Array.from({ length: D }, (_, d) => (from[v * D + d] as number) + gauss() * 14);
      planted.push([source, index]);
    } else {
      const type = types[Math.floor(rnd() * types.length)] as Float32Array;
      base = Float32Array.from({ length: D }, (_, d) => (type[d] as number) + gauss() * 25);
    }
    for (let v = 0; v < P; v++) for (let d = 0; d < D; d++) codes[v * D + d] = clamp((base[d] as number) + (v ? gauss() * 8 : 0));
    items.push({ index, codes });
  }
  return { items, planted };
}

/** The naive candidate search: every query of an image against every base, exact (sampled images). */
function naiveExactUsPerImage(items: { codes: Int8Array }[], sample: number): number {
  const n = items.length;
  const D = DESCRIPTOR_DIMS;
  const bases = new Float32Array(n * D);
  items.forEach((it, k) => {
    for (let d = 0; d < D; d++) bases[k * D + d] = it.codes[d] as number;
  });
  const t = performance.now();
  let sink = 0;
  const step = Math.max(1, Math.floor(n / sample));
  let count = 0;
  for (let k = 0; k < n && count < sample; k += step, count++) {
    const codes = (items[k] as { codes: Int8Array }).codes;
    for (let v = 0; v < 2 * DESCRIPTORS_PER_IMAGE; v++) {
      const qo = (v % DESCRIPTORS_PER_IMAGE) * D;
      let best = -Infinity;
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += (codes[qo + d] as number) * (bases[j * D + d] as number);
        if (dot > best) best = dot;
      }
      sink += best;
    }
  }
  if (sink === 0.5) console.log('');
  return (1000 * (performance.now() - t)) / count;
}

async function codesOnly(sizes: number[]): Promise<void> {
  const queries = list('--queries', [10_000])[0] as number;
  const treeOverrides = (args.includes('--tree-options') ? JSON.parse(String(args[args.indexOf('--tree-options') + 1])) : {}) as Partial<DescriptorSearchOptions>;
  if (Object.keys(treeOverrides).length) console.log(`options: ${JSON.stringify(treeOverrides)}`);
  // 'exact': the tree with one leaf holding every base, i.e. an exact scan (slow: for the recall ceiling)
  const names = (args.includes('--code-options') ? String(args[args.indexOf('--code-options') + 1]).split(',') : ['flat-ivf', 'tree', 'auto']) as (DescriptorSearchOptions['index'] | 'exact')[];
  console.log(`\ncandidate stage alone on generated descriptor codes (index built on all codes; ${queries.toLocaleString('en')} images query at each size; ${load()}):`);
  console.log('| codes | index | build s | query µs/img | stage µs/img (build/n + query) | candidates/img | planted pairs found | naive exact scan µs/img | vs naive | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    const { items, planted } = generatedCodes(n, n);
    const naiveUs = naiveExactUsPerImage(items, Math.max(20, Math.round(2e8 / (n * 26 * DESCRIPTOR_DIMS))));
    const every = Math.max(1, Math.floor(n / queries));
    const queried = planted.filter(([, copy]) => copy % every === 0);
    for (const name of names) {
      if (name === 'flat-ivf' && n > 200_000) {
        console.log(`| ${n.toLocaleString('en')} | flat-ivf | — | — | not run: building it assigns every code against √(6n) centroids (${Math.round(Math.sqrt(6 * n))}), too slow in plain JS | | | | | |`);
        continue;
      }
      const options = { ...defaultDescriptorSearch, ...treeOverrides, ...(name === 'exact' ? { index: 'tree' as const, leafSize: 1e7 } : { index: name }), queryEvery: every };
      const relevant = (a: number, b: number): boolean => (a ^ b) % 2 === 1 || a % 50 === 0 || b % 50 === 0;
      const buildStart = performance.now();
      await descriptorCandidates(items, relevant, { ...options, queryEvery: n + 1 });
      const buildMs = performance.now() - buildStart;
      const t = performance.now();
      const got = await descriptorCandidates(items, relevant, options);
      const queryMs = Math.max(0, performance.now() - t - buildMs);
      const asked = Math.ceil(n / every);
      const keys = new Set(got.map((p) => `${p.a}:${p.b}`));
      const found = queried.filter(([a, b]) => keys.has(`${a}:${b}`)).length;
      const stageUs = (1000 * buildMs) / n + (1000 * queryMs) / asked;
      console.log(
        `| ${n.toLocaleString('en')} | ${name}${name === 'auto' ? ` (${n <= defaultDescriptorSearch.flatMax ? 'flat' : 'tree'})` : ''} | ${f(buildMs / 1000)} | ${f((1000 * queryMs) / asked, 0)} | ${f(stageUs, 0)} | ${f(got.length / asked, 2)} | ${found}/${queried.length} | ${f(naiveUs, 0)} | ${f(naiveUs / stageUs, 1)}× | ${rssMb()} |`,
      );
    }
  }
  console.log(`(${load()})`);
}

if (args.includes('--generate-only')) {
  for (const n of list('--synthetic', [10_000, 100_000])) {
    const { dir, genS } = await syntheticSet(n);
    console.log(`${dir}: ${genS === null ? 'already complete' : `generated in ${f(genS)} s`}`);
  }
  process.exit(0);
}
if (part('real')) await realSubsets();
if (part('synthetic')) await synthetic(list('--synthetic', [10_000, 100_000]).filter((n) => n > 0));
if (part('codes')) await codesOnly(list('--codes', [10_000, 100_000, 1_000_000]));
