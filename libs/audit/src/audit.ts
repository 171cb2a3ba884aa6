import { join, basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { decodeGray, type DecodeOptions, type GrayImage, type ImageRecord, type Manifest, type Problem } from '@leakproof/ingest';
import { splitFingerprint } from './fingerprint.js';
import { HashCache } from './hash-cache.js';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { hashFiles, withoutLoaders } from './hash-pool.js';
import type { HashOutcome } from './image-hash.js';
import { policyHash, type Policy } from './policy.js';
import { auditReportSchema, type AuditReport } from './report-schema.js';
import { buildFindings, type MatchedPair } from './findings.js';
import { candidatePairs, decodeView, type NearPair } from './candidates.js';
import { hashDecoded } from './image-hash.js';
import { compareViews, VIEW_SIZE } from './near-kernel.mjs';
import { verifyPairs, type PairOutcome } from './verify-pairs.js';
import { summarise } from './summary.js';

type Hashed = Extract<HashOutcome, { ok: true }>;

export const TOOL = { name: 'leakproof', version: '0.1.0' } as const;

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
  /** the image decoder (default @leakproof/ingest decodeGray); injectable so tests can make decodes fail */
  decode?: Decoder;
}

export type Decoder = (path: string, options: DecodeOptions) => Promise<GrayImage>;

/** Audits the splits of a manifest for leakage. Never throws on bad images: they become problems. */
export async function auditManifest(manifest: Manifest, options: AuditOptions): Promise<AuditReport> {
  const started = performance.now();
  const { policy } = options;
  const images = manifest.images;
  const cacheDir = options.cacheDir === undefined ? join(process.cwd(), '.leakproof', 'cache') : options.cacheDir;
  const cache = await HashCache.open(cacheDir ?? undefined, manifest.root);

  const hashes = await hashAll(manifest, cache, options);
  const hashMs = performance.now() - started;

  const problems: Problem[] = [...manifest.problems];
  const listed = new Set(problems.map((p) => p.path));
  hashes.results.forEach((h, i) => {
    const record = images[i] as ImageRecord;
    if (!h.ok && !listed.has(record.path)) {
      problems.push({ path: record.path, kind: h.kind, message: `cannot decode: ${h.message}`, hint: 'replace or remove the file; it was left out of the pixel and near-duplicate checks', severity: 'error' });
    }
  });

  const indexStarted = performance.now();
  const stage = candidatePairs(images, hashes.results, policy);
  const pairs: MatchedPair[] = [...stage.matched];
  const candidates = stage.candidates;
  const indexMs = performance.now() - indexStarted;

  const verifyStarted = performance.now();
  const settings = `${VIEW_SIZE}/${policy.near.maxScale}/${policy.near.maxShift}/${policy.near.maxRotation}`;
  const pairKey = (c: NearPair): string => {
    const ha = hashes.results[c.a] as Hashed;
    const hb = hashes.results[c.b] as Hashed;
    return `${ha.pixel}:${hb.pixel}:${c.flip ?? 'both'}:${settings}`;
  };
  const uncached = candidates.filter((c) => cache.getPair(pairKey(c)) === undefined);
  const decode = options.decode ?? decodeGray;
  const search = { maxStretch: policy.near.maxScale, maxShift: policy.near.maxShift, maxRotation: (policy.near.maxRotation * Math.PI) / 180 };
  const compareOptions = { search, ...rejectLevels(policy.near.minSimilarity) };
  const comparer = new ViewComparer(options.workers ?? availableParallelism(), uncached.length);
  let outcomes: PairOutcome[];
  try {
    outcomes = await verifyPairs(uncached, {
      load: (i) => loadView(manifest.root, images[i] as ImageRecord, hashes.results[i] as Hashed, decode, options.maxPixels),
      compare: (a, b) => comparer.compare(a, b, compareOptions),
      compareConcurrency: comparer.concurrency,
      onDone: (done) => options.onProgress?.({ phase: 'verify', done: candidates.length - uncached.length + done, total: candidates.length }),
    });
  } finally {
    await comparer.close();
  }
  const fresh = new Map(uncached.map((c, k) => [c, outcomes[k] as PairOutcome]));
  for (const c of candidates) {
    const key = pairKey(c);
    const outcome: PairOutcome = fresh.get(c) ?? { ok: true, score: cache.getPair(key) as number };
    const distance = c.distance;
    if (!outcome.ok) {
      // never cached: the next audit tries again
      pairs.push({ a: c.a, b: c.b, kind: 'unverified', reason: outcome.reason, distance });
      continue;
    }
    cache.setPair(key, outcome.score);
    if (outcome.score >= policy.near.minSimilarity) pairs.push({ a: c.a, b: c.b, kind: 'near', score: outcome.score, distance });
  }
  const verifyMs = performance.now() - verifyStarted;
  await cache.save();

  const { findings, withinSplitDuplicates } = buildFindings(images, pairs, policy);
  const summary = summarise(images);
  const report: AuditReport = {
    schemaVersion: 1,
    tool: { ...TOOL },
    dataset: { root: manifest.root, name: options.name ?? basename(manifest.root) },
    createdAt: new Date().toISOString(),
    fingerprint: splitFingerprint(images),
    policyHash: policyHash(policy),
    verdict: findings.some((f) => f.severity === 'fail') ? 'fail' : 'pass',
    splits: summary.splits,
    findings,
    info: { ...summary.info, withinSplitDuplicates, idRule: manifest.idRule, nearCandidates: candidates.length },
    problems,
    timings: {
      images: images.length,
      hashedFresh: hashes.fresh,
      fromCache: images.length - hashes.fresh,
      hashMs: Math.round(hashMs),
      indexMs: Math.round(indexMs),
      verifyMs: Math.round(verifyMs),
      totalMs: Math.round(performance.now() - started),
    },
  };
  return auditReportSchema.parse(report);
}

async function hashAll(manifest: Manifest, cache: HashCache, options: AuditOptions): Promise<{ results: HashOutcome[]; fresh: number }> {
  const results: (HashOutcome | undefined)[] = manifest.images.map((r) => cache.get(join(manifest.root, r.path), r.size, r.mtimeMs));
  const missing = results.flatMap((r, i) => (r ? [] : [i]));
  const total = manifest.images.length;
  const cached = total - missing.length;
  options.onProgress?.({ phase: 'hash', done: cached, total });
  const paths = missing.map((i) => join(manifest.root, (manifest.images[i] as ImageRecord).path));
  const fresh = await hashFiles(paths, {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
    ...(options.decode === undefined ? {} : { decode: options.decode }),
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

/**
 * Runs view comparisons on plain-JS worker threads (the image work of verification stays off this thread),
 * or on this thread when one worker is asked for, there is little to verify, or the pool cannot start.
 */
export class ViewComparer {
  private pool: Piscina<{ a: Uint8Array; b: Uint8Array; options: object }, number> | undefined;
  private broken = false;
  readonly concurrency: number;

  constructor(workers: number, pairs: number) {
    this.concurrency = workers > 1 && pairs >= 16 ? workers * 4 : 1;
    if (this.concurrency > 1) {
      this.pool = new Piscina({ filename: new URL('./verify-worker.mjs', import.meta.url).href, minThreads: workers, maxThreads: workers, idleTimeout: 1_000, execArgv: withoutLoaders(process.execArgv) });
    }
  }

  async compare(a: Uint8Array, b: Uint8Array, options: Parameters<typeof compareViews>[2]): Promise<number> {
    if (!this.pool || this.broken) return compareViews(a, b, options);
    try {
      return await this.pool.run({ a, b, options: options ?? {} });
    } catch {
      // a pool that cannot start (or a dead worker) must not fail the audit: compare here instead
      this.broken = true;
      return compareViews(a, b, options);
    }
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}

/**
 * Where the coarse levels of the view comparison give up. Measured on real radiographs (README): edited copies
 * reach ≥ 0.97 already on 16×16 (different children: median 0.93), so a pair below `threshold − 0.03` there —
 * most different children — costs one cheap level instead of three. Both mirrors are always tried: chest
 * radiographs are nearly symmetric, so which mirror the descriptors preferred is no reliable hint.
 */
export function rejectLevels(threshold: number): { earlyReject: number; coarseReject: number } {
  return { earlyReject: threshold - 0.03, coarseReject: threshold - 0.04 };
}

/**
 * The comparison view of one image: the one the hash stage made from its single decode. A record without one
 * (written by another producer) is decoded from the file as it is now, refusing a file that changed or
 * vanished since it was hashed, so the pair is reported unverified instead of compared with other content.
 */
async function loadView(root: string, record: ImageRecord, hashed: Hashed, decode: Decoder, maxPixels: number | undefined): Promise<Uint8Array> {
  if (hashed.view) return decodeView(hashed.view);
  const abs = join(root, record.path);
  let now;
  try {
    now = await stat(abs);
  } catch (error) {
    throw new Error(`${record.path}: cannot read it again (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (now.size !== record.size || now.mtimeMs !== record.mtimeMs) throw new Error(`${record.path} changed after it was hashed (size or modification time differ)`);
  try {
    const image = await decode(abs, maxPixels === undefined ? {} : { maxPixels });
    return decodeView((hashDecoded(image) as Hashed).view);
  } catch (error) {
    throw new Error(`${record.path}: cannot decode it again (${error instanceof Error ? error.message : String(error)})`);
  }
}
