// Audit cost against dataset size: real subsets (every 4th, 2nd, all of chest_xray_224/train, split in two by
// patient), synthetic sets with no planted leaks, and the candidate stage alone on generated descriptor codes.
// Prints images, candidates, per-stage time, per-image cost and peak RSS, with the naive single-thread loop
// (read + SHA-256 + decode + pixel hash + blockhash-core) measured in the same run as the baseline.
// Run: node --import tsx bench/audit-scaling.ts [--synthetic 10000,100000] [--codes 10000,100000,1000000] [--skip-real]
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bmvbhash } from 'blockhash-core';
import { auditManifest, defaultPolicy, descriptorCandidates, DESCRIPTOR_DIMS, DESCRIPTORS_PER_IMAGE, pixelHash, type AuditReport } from '@leakproof/audit';
import { buildManifest, decodeGray, type Manifest } from '@leakproof/ingest';
import { generateSyntheticDataset } from '@leakproof/synth';

const args = process.argv.slice(2);
const list = (name: string, fallback: number[]): number[] => (args.includes(name) ? String(args[args.indexOf(name) + 1]).split(',').map(Number) : fallback);
const sharedRoot = join(import.meta.dirname, '../../shared/data/chest_xray_224');
const rssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const f = (x: number, d = 1): string => x.toFixed(d);

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
  console.log(`naive single-thread loop on 400 real images: ${f(naiveMs, 2)} ms/img (${availableParallelism()} cores, shared with other agents: ratios, not absolute times, are the figure)\n`);
  console.log(header);
  for (const step of [4, 2, 1]) {
    const manifest = { ...all, images: all.images.filter((_, i) => i % step === 0) };
    const cacheDir = await mkdtemp(join(tmpdir(), 'scaling-cache-'));
    const t = performance.now();
    const report = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
    console.log(row(`real, every ${step === 1 ? 'image' : `${step}${step === 2 ? 'nd' : 'th'}`}`, report, performance.now() - t, naiveMs));
    if (step === 1) {
      const w = performance.now();
      const warm = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
      console.log(`\nwarm re-audit of all ${warm.timings.images} images (${warm.timings.fromCache} from cache): ${f((performance.now() - w) / 1000, 2)} s`);
    }
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function synthetic(sizes: number[]): Promise<void> {
  for (const n of sizes) {
    const dir = await mkdtemp(join(tmpdir(), 'scaling-synth-'));
    try {
      let t = performance.now();
      await generateSyntheticDataset(join(dir, 'set'), { seed: n, patients: Math.ceil(n / 3), imagesPerPatient: 3, size: 224, leaks: [] });
      const genS = (performance.now() - t) / 1000;
      const manifest = await buildManifest(join(dir, 'set'));
      const naiveMs = await naiveMsPerImage(manifest, 300);
      t = performance.now();
      const report = await auditManifest(manifest, { policy: defaultPolicy, cacheDir: null });
      console.log(`\nsynthetic ${n.toLocaleString('en')} (generated in ${f(genS)} s, naive ${f(naiveMs, 2)} ms/img, no planted leaks):\n${header}\n${row(`synthetic ${n.toLocaleString('en')}`, report, performance.now() - t, naiveMs)}`);
      for (const x of report.findings.filter((y) => y.kind !== 'patient').slice(0, 5)) console.log(`  finding: ${x.kind} ${x.detail}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** Descriptor codes with the spread of real ones: a shared mean plus per-image deviations, clustered by "anatomy type". */
function generatedCodes(n: number, seed: number): { index: number; codes: Int8Array }[] {
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  const types = Array.from({ length: 64 }, () => Float32Array.from({ length: DESCRIPTOR_DIMS }, () => gauss() * 20));
  return Array.from({ length: n }, (_, index) => {
    const type = types[Math.floor(rnd() * types.length)] as Float32Array;
    const base = Float32Array.from({ length: DESCRIPTOR_DIMS }, (_, d) => (type[d] as number) + gauss() * 25);
    const codes = new Int8Array(DESCRIPTOR_DIMS * DESCRIPTORS_PER_IMAGE);
    for (let v = 0; v < DESCRIPTORS_PER_IMAGE; v++) for (let d = 0; d < DESCRIPTOR_DIMS; d++) codes[v * DESCRIPTOR_DIMS + d] = Math.max(-127, Math.min(127, Math.round((base[d] as number) + (v ? gauss() * 8 : 0))));
    return { index, codes };
  });
}

function codesOnly(sizes: number[]): void {
  console.log('\ncandidate stage alone on generated descriptor codes (inverted-file index, no pixels):\n| codes | candidates | candidates/img | s | µs/img | peak RSS MB |\n|---|---|---|---|---|---|');
  for (const n of sizes) {
    const items = generatedCodes(n, n);
    const t = performance.now();
    const got = descriptorCandidates(items, (a, b) => (a ^ b) % 2 === 1);
    const ms = performance.now() - t;
    console.log(`| ${n.toLocaleString('en')} | ${got.length.toLocaleString('en')} | ${f(got.length / n, 2)} | ${f(ms / 1000)} | ${f((1000 * ms) / n, 0)} | ${rssMb()} |`);
  }
}

if (!args.includes('--skip-real')) await realSubsets();
await synthetic(list('--synthetic', [10_000]).filter((n) => n > 0));
codesOnly(list('--codes', [10_000, 100_000]));
