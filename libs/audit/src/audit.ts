import { join } from 'node:path';
import type { ImageRecord, Manifest } from '@leakproof/ingest';
import { assembleReport, candidatePairs, hashImageBatch, pairScoreKey, pairsToVerify, verifyPairBatch } from './audit-stages.js';
import { HashCache } from './hash-cache.js';
import type { HashOutcome } from './image-hash.js';
import type { Policy } from './policy.js';
import type { AuditReport } from './report-schema.js';

export { TOOL } from './audit-stages.js';

export interface AuditProgress {
  phase: 'hash' | 'verify';
  done: number;
  total: number;
}

export interface AuditOptions {
  policy: Policy;
  /** where the hash cache lives (outside the dataset); default <cwd>/.leakproof/cache; null disables it */
  cacheDir?: string | null;
  workers?: number;
  onProgress?: (progress: AuditProgress) => void;
  /** dataset name for reports; default the root folder name */
  name?: string;
  maxPixels?: number;
}

/**
 * Audits the splits of a manifest for leakage on this machine: the stages of audit-stages.ts with a local
 * hash cache around stages 1 and 3. Never throws on bad images: they become problems.
 */
export async function auditManifest(manifest: Manifest, options: AuditOptions): Promise<AuditReport> {
  const started = performance.now();
  const { policy } = options;
  const images = manifest.images;
  const cacheDir = options.cacheDir === undefined ? join(process.cwd(), '.leakproof', 'cache') : options.cacheDir;
  const cache = await HashCache.open(cacheDir ?? undefined, manifest.root);

  const hashes = await hashAll(manifest, cache, options);
  const hashMs = performance.now() - started;

  const indexStarted = performance.now();
  const set = candidatePairs(images, hashes.results, policy);
  const indexMs = performance.now() - indexStarted;

  const verifyStarted = performance.now();
  const scores = await verifyCached(manifest, hashes.results, set.candidates, cache, options);
  const verifyMs = performance.now() - verifyStarted;
  await cache.save();

  return assembleReport(manifest, hashes.results, set, scores, {
    policy,
    ...(options.name === undefined ? {} : { name: options.name }),
    timings: {
      images: images.length,
      hashedFresh: hashes.fresh,
      fromCache: images.length - hashes.fresh,
      hashMs: Math.round(hashMs),
      indexMs: Math.round(indexMs),
      verifyMs: Math.round(verifyMs),
      totalMs: Math.round(performance.now() - started),
    },
  });
}

async function hashAll(manifest: Manifest, cache: HashCache, options: AuditOptions): Promise<{ results: HashOutcome[]; fresh: number }> {
  const results: (HashOutcome | undefined)[] = manifest.images.map((r) => cache.get(join(manifest.root, r.path), r.size, r.mtimeMs));
  const missing = results.flatMap((r, i) => (r ? [] : [i]));
  const total = manifest.images.length;
  const cached = total - missing.length;
  options.onProgress?.({ phase: 'hash', done: cached, total });
  const paths = missing.map((i) => join(manifest.root, (manifest.images[i] as ImageRecord).path));
  const fresh = await hashImageBatch(paths, {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
    onDone: (done) => options.onProgress?.({ phase: 'hash', done: cached + done, total }),
  });
  missing.forEach((i, k) => {
    const r = manifest.images[i] as ImageRecord;
    const outcome = fresh[k] as HashOutcome;
    results[i] = outcome;
    cache.set(join(manifest.root, r.path), r.size, r.mtimeMs, outcome);
  });
  return { results: results as HashOutcome[], fresh: missing.length };
}

/** Stage 3 for the candidates whose score is not in the cache; every score in candidate order. */
async function verifyCached(manifest: Manifest, hashes: HashOutcome[], candidates: Parameters<typeof pairsToVerify>[1], cache: HashCache, options: AuditOptions): Promise<number[]> {
  const { policy } = options;
  const pixel = (i: number): string => (hashes[i] as Extract<HashOutcome, { ok: true }>).pixel;
  const keys = candidates.map((c) => pairScoreKey(pixel(c.source), pixel(c.target), c.startScale, policy));
  const scores = keys.map((k) => cache.getPair(k));
  const todo = scores.flatMap((s, k) => (s === undefined ? [k] : []));
  const cached = candidates.length - todo.length;
  if (candidates.length > 0) options.onProgress?.({ phase: 'verify', done: cached, total: candidates.length });
  const fresh = await verifyPairBatch(pairsToVerify(manifest, todo.map((k) => candidates[k] as (typeof candidates)[number])), policy, {
    ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
    onDone: (done) => options.onProgress?.({ phase: 'verify', done: cached + done, total: candidates.length }),
  });
  todo.forEach((k, j) => {
    scores[k] = fresh[j] as number;
    cache.setPair(keys[k] as string, fresh[j] as number);
  });
  return scores as number[];
}
