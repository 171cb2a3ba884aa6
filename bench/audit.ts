// Audit speed: cold audit images/s vs a naive single-threaded decode+hash loop over the same files, warm
// re-audit seconds, and multi-index hashing vs brute force at 10^4, 10^5, 10^6 random codes.
// Run: node --import tsx bench/audit.ts [--limit N] [--skip-index] [--skip-audit]     (N images from ../shared/data)
import { createHash } from 'node:crypto';
import { bmvbhash } from 'blockhash-core';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditManifest, bruteForceQuery, CODE_WORDS, defaultPolicy, hashFiles, MultiIndexHash, pixelHash } from '@leakproof/audit';
import { buildManifest, decodeGray, type GrayImage, type Manifest } from '@leakproof/ingest';

const args = process.argv.slice(2);
const limitArg = args.indexOf('--limit');
const limit = limitArg >= 0 ? Number(args[limitArg + 1]) : Infinity;
const dataRoot = join(import.meta.dirname, '../../shared/data/chest_xray_224');

const fmt = (x: number, d = 1): string => x.toFixed(d);

/** The textbook way to blockhash a gray image with blockhash-core: expand to opaque RGBA, call bmvbhash. */
function naiveBlockhash(gray: GrayImage): string {
  const rgba = new Uint8Array(gray.width * gray.height * 4);
  for (let i = 0, o = 0; i < gray.data.length; i++, o += 4) {
    const v = gray.data[i] as number;
    rgba[o] = v;
    rgba[o + 1] = v;
    rgba[o + 2] = v;
    rgba[o + 3] = 255;
  }
  return bmvbhash({ width: gray.width, height: gray.height, data: rgba }, 16);
}

async function auditBench(): Promise<void> {
  if (!existsSync(dataRoot)) {
    console.log(`(skipping audit speed: ${dataRoot} is absent)`);
    return;
  }
  const full = await buildManifest(dataRoot);
  const manifest: Manifest = { ...full, images: full.images.slice(0, Math.min(limit, full.images.length)) };
  const n = manifest.images.length;
  console.log(`dataset ${dataRoot}: ${n} images, ${availableParallelism()} cores`);

  // machines are shared: the naive loop runs before and after the cold audit and the ratio uses their mean;
  // CPU ms/img (all threads of this process) is the load-independent cost
  const naiveLoop = async (): Promise<{ s: number; cpuMs: number }> => {
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (const r of manifest.images) {
      const bytes = await readFile(join(manifest.root, r.path));
      createHash('sha256').update(bytes).digest('hex');
      const gray = await decodeGray(bytes);
      pixelHash(gray);
      naiveBlockhash(gray);
    }
    const used = process.cpuUsage(cpu);
    return { s: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000 };
  };
  const perImage = (cpuMs: number): string => `${fmt(cpuMs / n, 2)} CPU ms/img`;
  const naive1 = await naiveLoop();
  console.log(`naive single-threaded loop (read, SHA-256, decode, pixel hash, one blockhash-core code): ${fmt(naive1.s)} s = ${fmt(n / naive1.s)} img/s, ${perImage(naive1.cpuMs)}`);

  const cacheDir = await mkdtemp(join(tmpdir(), 'audit-bench-'));
  const cpu = process.cpuUsage();
  let t = performance.now();
  const cold = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
  const coldS = (performance.now() - t) / 1000;
  const coldCpu = process.cpuUsage(cpu);
  const { hashMs, indexMs, verifyMs } = cold.timings;
  console.log(
    `cold audit: ${fmt(coldS)} s = ${fmt(n / coldS)} img/s, ${perImage((coldCpu.user + coldCpu.system) / 1000)}  [hash ${hashMs} ms = ${fmt(n / (hashMs / 1000))} img/s, index ${indexMs} ms, verify ${verifyMs} ms of ${cold.info.nearCandidates} candidates; ${cold.findings.length} findings]`,
  );
  const naive2 = await naiveLoop();
  console.log(`naive loop again: ${fmt(naive2.s)} s = ${fmt(n / naive2.s)} img/s, ${perImage(naive2.cpuMs)}`);
  const naiveS = (naive1.s + naive2.s) / 2;
  console.log(`  ratio cold audit / naive loop: ${fmt(naiveS / coldS, 2)}× (hash phase alone ${fmt(naiveS / (hashMs / 1000), 2)}×; the audit also crop-hashes, indexes and verifies)`);

  const sample = manifest.images.slice(0, 2).map((r) => join(manifest.root, r.path));
  t = performance.now();
  await hashFiles(sample, { workers: 2, fallback: false });
  console.log(`hash worker pool start + 2 images + shutdown: ${fmt(performance.now() - t, 0)} ms`);

  t = performance.now();
  const warm = await auditManifest(manifest, { policy: defaultPolicy, cacheDir });
  console.log(`warm re-audit (unchanged dataset, ${warm.timings.fromCache}/${n} from cache): ${fmt((performance.now() - t) / 1000, 2)} s`);
  await rm(cacheDir, { recursive: true, force: true });
}

function randomCodes(n: number, seed: number): Uint32Array {
  let s = seed >>> 0;
  const codes = new Uint32Array(n * CODE_WORDS);
  for (let i = 0; i < codes.length; i++) codes[i] = s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return codes;
}

function indexBench(): void {
  const radius = defaultPolicy.near.radius;
  const queries = randomCodes(200, 7);
  // half the queries get a planted neighbour within the radius so both paths return hits
  for (const n of [10_000, 100_000, 1_000_000]) {
    const codes = randomCodes(n, n);
    for (let q = 0; q < 100; q++) {
      codes.set(queries.subarray(q * CODE_WORDS, (q + 1) * CODE_WORDS), (q * 97 % n) * CODE_WORDS);
      codes[(q * 97 % n) * CODE_WORDS] = ((codes[(q * 97 % n) * CODE_WORDS] as number) ^ 0x0000_0f0f) >>> 0;
    }
    let t = performance.now();
    const index = new MultiIndexHash(codes, radius);
    const buildMs = performance.now() - t;
    const nq = 200;
    const seen = new Int32Array(n).fill(-1);
    t = performance.now();
    let hits = 0;
    for (let q = 0; q < nq; q++) hits += index.query(queries, q, seen, q).length;
    const mihMs = (performance.now() - t) / nq;
    const bq = n >= 1_000_000 ? 20 : nq;
    t = performance.now();
    let bruteHits = 0;
    for (let q = 0; q < bq; q++) bruteHits += bruteForceQuery(codes, queries, q, radius).length;
    const bruteMs = (performance.now() - t) / bq;
    console.log(
      `index n=${n.toLocaleString('en')} r=${radius}: build ${fmt(buildMs / 1000, 2)} s; query ${fmt(mihMs, 3)} ms vs brute force ${fmt(bruteMs, 2)} ms (${fmt(bruteMs / mihMs, 0)}× faster; hits ${hits}/${nq} vs ${bruteHits}/${bq}); all-pairs self-join ≈ ${fmt((n * mihMs) / 1000, 1)} s vs ${fmt((n * bruteMs) / 2 / 1000 / 3600, 2)} h brute force`,
    );
  }
}

if (!args.includes('--skip-audit')) await auditBench();
if (!args.includes('--skip-index')) indexBench();
