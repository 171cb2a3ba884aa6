// Audit speed: cold audit images/s vs a naive single-threaded decode+hash loop over the same files (and per
// stage: the decode floor, hash records, candidates, verification, each naive vs Leakproof), warm re-audit
// seconds, and multi-index hashing vs brute force at 10^4, 10^5, 10^6 random codes.
// Run: node --import tsx bench/audit.ts [--limit N] [--skip-index] [--skip-audit]     (N images from ../shared/data)
import { createHash } from 'node:crypto';
import { bmvbhash } from 'blockhash-core';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os, { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapLimited } from '@leakproof/core';
import {
  auditManifest,
  bruteForceQuery,
  candidatePairs,
  CODE_WORDS,
  compareOptions,
  compareViews,
  decodeView,
  defaultPolicy,
  hashFiles,
  MultiIndexHash,
  pixelHash,
  type HashOutcome,
} from '@leakproof/audit';
import { hashDecoded } from '../libs/audit/src/image-hash.js';
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

interface Cpu {
  wallMs: number;
  cpuMs: number;
}

/** Wall and CPU time (every thread of this process: sharp's, the workers') of one call. */
async function measured<T>(fn: () => Promise<T>): Promise<Cpu & { value: T }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const value = await fn();
  const used = process.cpuUsage(cpu);
  return { value, wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

const load = (): string => `load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`;

async function auditBench(): Promise<void> {
  if (!existsSync(dataRoot)) {
    console.log(`(skipping audit speed: ${dataRoot} is absent)`);
    return;
  }
  const full = await buildManifest(dataRoot);
  const manifest: Manifest = { ...full, images: full.images.slice(0, Math.min(limit, full.images.length)) };
  const n = manifest.images.length;
  const paths = manifest.images.map((r) => join(manifest.root, r.path));
  console.log(`dataset ${dataRoot}: ${n} images, ${availableParallelism()} cores, ${load()}`);
  const perImage = (m: Cpu, count = n): string => `${fmt(m.wallMs / 1000, 2)} s = ${fmt(count / (m.wallMs / 1000))} /s, ${fmt(m.cpuMs / count, 2)} CPU ms each`;

  // machines are shared: the naive loop runs before and after the cold audit and the ratio uses their mean;
  // CPU ms/img (all threads of this process) is the load-independent cost
  const naiveLoop = (): Promise<Cpu> =>
    measured(async () => {
      for (const r of manifest.images) {
        const bytes = await readFile(join(manifest.root, r.path));
        createHash('sha256').update(bytes).digest('hex');
        const gray = await decodeGray(bytes);
        pixelHash(gray);
        naiveBlockhash(gray);
      }
    });
  const naive1 = await naiveLoop();
  console.log(`naive single-threaded loop (read, SHA-256, decode, pixel hash, one blockhash-core code): ${perImage(naive1)}`);

  // the floor every audit that decodes each image once sits on: sharp decoding alone, one file at a time and
  // with several in flight on its libuv threads (both cores)
  const decodeOne = await measured(async () => {
    for (const p of paths) await decodeGray(p);
  });
  const decodeAll = await measured(() => mapLimited(paths, 8, (p) => decodeGray(p)));
  console.log(`decode only (sharp, decodeGray of each path: read, then decoded from the bytes): one at a time ${perImage(decodeOne)}; 8 in flight (both cores) ${perImage(decodeAll)}`);

  const cacheDir = await mkdtemp(join(tmpdir(), 'audit-bench-'));
  // CPU per stage from the progress events: the last hash event ends stage 1, the first verify event starts stage 3
  let hashEndCpu: NodeJS.CpuUsage | undefined;
  let verifyStartCpu: NodeJS.CpuUsage | undefined;
  const startCpu = process.cpuUsage();
  const coldRun = await measured(() =>
    auditManifest(manifest, {
      policy: defaultPolicy,
      cacheDir,
      onProgress: (p) => {
        if (p.phase === 'hash' && p.done === p.total) hashEndCpu = process.cpuUsage(startCpu);
        if (p.phase === 'verify' && !verifyStartCpu) verifyStartCpu = process.cpuUsage(startCpu);
      },
    }),
  );
  const cold = coldRun.value;
  const ms = (u: NodeJS.CpuUsage | undefined): number => (u ? (u.user + u.system) / 1000 : NaN);
  const { hashMs, indexMs, verifyMs } = cold.timings;
  const pairs = cold.info.nearCandidates;
  const stageCpu = { hash: ms(hashEndCpu), index: ms(verifyStartCpu) - ms(hashEndCpu), verify: coldRun.cpuMs - ms(verifyStartCpu) };
  console.log(`cold audit: ${perImage(coldRun)}  [${cold.findings.length} findings, ${pairs} candidates verified]`);
  const naive2 = await naiveLoop();
  console.log(`naive loop again: ${perImage(naive2)}; ${load()}`);
  const naiveMs = (naive1.wallMs + naive2.wallMs) / 2;
  const naiveCpu = (naive1.cpuMs + naive2.cpuMs) / 2 / n;

  // the same per-stage work done the naive way, single-threaded on this thread: decode + every hash the audit
  // keeps (pixel, blockhash and crops, canonical view, descriptors), and view comparisons of the candidates
  const hashOne = await measured(async () => {
    for (const p of paths) hashDecoded(await decodeGray(p));
  });
  const records = await hashFiles(paths);
  const candidates = (await candidatePairs(manifest.images, records, defaultPolicy)).candidates.slice(0, 2000);
  const settings = compareOptions(defaultPolicy);
  const view = (i: number): Uint8Array => decodeView((records[i] as Extract<HashOutcome, { ok: true }>).view);
  const verifyOne = await measured(async () => {
    for (const c of candidates) compareViews(view(c.source), view(c.target), settings);
  });

  const row = (stage: string, naive: string, ours: string, ratio: string): string => `| ${stage} | ${naive} | ${ours} | ${ratio} |`;
  const wallPer = (wall: number, count: number): string => `${fmt((wall / count), 3)} ms`;
  console.log(`\nper stage (wall ms per image or pair; CPU ms of every thread in brackets):`);
  console.log(row('stage', 'naive, one thread', 'Leakproof', 'speed-up'));
  console.log(row('---', '---', '---', '---'));
  console.log(row('decode floor (sharp alone)', `${wallPer(decodeOne.wallMs, n)} [${fmt(decodeOne.cpuMs / n, 2)}]`, `${wallPer(decodeAll.wallMs, n)} [${fmt(decodeAll.cpuMs / n, 2)}] on both cores`, `${fmt(decodeOne.wallMs / decodeAll.wallMs, 2)}×`));
  console.log(row('1. decode + hash records', `${wallPer(hashOne.wallMs, n)} [${fmt(hashOne.cpuMs / n, 2)}]`, `${wallPer(hashMs, n)} [${fmt(stageCpu.hash / n, 2)}]`, `${fmt(hashOne.wallMs / hashMs, 2)}×`));
  console.log(row('2. candidate pairs', 'all pairs (not run)', `${wallPer(indexMs, n)} [${fmt(stageCpu.index / n, 2)}]`, ''));
  console.log(row(`3. verify (per pair; ${pairs} pairs)`, `${wallPer(verifyOne.wallMs, candidates.length)} [${fmt(verifyOne.cpuMs / candidates.length, 2)}] (${candidates.length} pairs)`, `${wallPer(verifyMs, Math.max(1, pairs))} [${fmt(stageCpu.verify / Math.max(1, pairs), 2)}]`, `${fmt(verifyOne.wallMs / candidates.length / (verifyMs / Math.max(1, pairs)), 2)}×`));
  console.log(row('whole audit vs naive loop', `${wallPer(naiveMs, n)} [${fmt(naiveCpu, 2)}]`, `${wallPer(coldRun.wallMs, n)} [${fmt(coldRun.cpuMs / n, 2)}]`, `**${fmt(naiveMs / coldRun.wallMs, 2)}×**`));
  console.log(`ratio cold audit / naive loop: ${fmt(naiveMs / coldRun.wallMs, 2)}× (decode floor of both cores: ${fmt(naiveMs / decodeAll.wallMs, 2)}×; hash stage alone ${fmt(naiveMs / hashMs, 2)}×)`);

  const pooled = await measured(() => hashFiles(paths, { poolMinPixels: 0 }));
  const onMain = await measured(() => hashFiles(paths, { poolMinPixels: Infinity }));
  console.log(`hash stage variants: every image hashed on worker threads ${perImage(pooled)}; every image hashed on this thread ${perImage(onMain)}`);

  const sample = paths.slice(0, 2);
  const t = performance.now();
  await hashFiles(sample, { workers: 2, fallback: false });
  console.log(`hash worker pool start + 2 images + shutdown: ${fmt(performance.now() - t, 0)} ms`);

  for (let k = 0; k < 2; k++) {
    const warm = await measured(() => auditManifest(manifest, { policy: defaultPolicy, cacheDir }));
    console.log(`warm re-audit (unchanged dataset, ${warm.value.timings.fromCache}/${n} from cache): ${fmt(warm.wallMs / 1000, 2)} s [hash ${warm.value.timings.hashMs} ms, index ${warm.value.timings.indexMs} ms, verify ${warm.value.timings.verifyMs} ms]; ${load()}`);
  }
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
