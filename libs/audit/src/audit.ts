import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeGray, type ImageRecord, type Manifest } from '@leakproof/ingest';
import { AUDIT_ALGORITHM, assembleReport, auditTimings, candidatePairs, hashImageBatch, pairScoreKey, verifyViews, type Decoder, type NearCandidate } from './audit-stages.js';
import { decodeView, type CandidateSet } from './candidates.js';
import { HashCache, spilled } from './hash-cache.js';
import { hashDecoded, type HashOutcome } from './image-hash.js';
import type { Policy } from './policy.js';
import type { AuditReport } from './report-schema.js';
import type { PairOutcome } from './verify-pairs.js';
import { ViewSpill } from './view-spill.js';

export { TOOL, type Decoder } from './audit-stages.js';

type Hashed = Extract<HashOutcome, { ok: true }>;

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

/**
 * Audits the splits of a manifest for leakage on this machine: the stages of audit-stages.ts with a local
 * hash cache around stages 1 and 3. Never throws on bad images: they become problems.
 */
export async function auditManifest(manifest: Manifest, options: AuditOptions): Promise<AuditReport> {
  const started = performance.now();
  const { policy } = options;
  const images = manifest.images;
  const cacheDir = options.cacheDir === undefined ? join(process.cwd(), '.leakproof', 'cache') : options.cacheDir;
  if (cacheDir) await mkdir(cacheDir, { recursive: true });
  const spill = await ViewSpill.create(cacheDir ?? undefined);
  try {
    const cache = await HashCache.open(cacheDir ?? undefined, manifest.root, spill);
    const hashes = await hashAll(manifest, cache, spill, options);
    const hashMs = performance.now() - started;

    const indexStarted = performance.now();
    const set = await cachedCandidates(images, hashes.results, policy, cache);
    const indexMs = performance.now() - indexStarted;

    const verifyStarted = performance.now();
    const outcomes = await verifyCached(manifest, hashes, set.candidates, cache, spill, options);
    const verifyMs = performance.now() - verifyStarted;
    await cache.save();

    return assembleReport(manifest, hashes.results, set, outcomes, {
      policy,
      ...(options.name === undefined ? {} : { name: options.name }),
      timings: auditTimings(images.length, hashes.fresh, { hash: hashMs, index: indexMs, verify: verifyMs }, started),
    });
  } finally {
    await spill.close();
  }
}

/** Every image's hash record without its view, and the slot of the view in the spill (−1: none). */
interface HashedSet {
  results: HashOutcome[];
  viewSlots: Int32Array;
  fresh: number;
}

async function hashAll(manifest: Manifest, cache: HashCache, spill: ViewSpill, options: AuditOptions): Promise<HashedSet> {
  const viewSlots = new Int32Array(manifest.images.length).fill(-1);
  const results: (HashOutcome | undefined)[] = manifest.images.map((r, i) => {
    const cached = cache.get(join(manifest.root, r.path), r.size, r.mtimeMs);
    if (cached) viewSlots[i] = cached.viewSlot;
    return cached?.result;
  });
  const missing = results.flatMap((r, i) => (r ? [] : [i]));
  const total = manifest.images.length;
  const cached = total - missing.length;
  options.onProgress?.({ phase: 'hash', done: cached, total });
  const paths = missing.map((i) => join(manifest.root, (manifest.images[i] as ImageRecord).path));
  await hashImageBatch(paths, {
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels }),
    ...(options.decode === undefined ? {} : { decode: options.decode }),
    onDone: (done) => options.onProgress?.({ phase: 'hash', done: cached + done, total }),
    // each record leaves its view in the spill as it arrives, so the heap never holds every view at once
    keep: (outcome, k) => {
      const i = missing[k] as number;
      const r = manifest.images[i] as ImageRecord;
      const record = spilled(outcome, spill);
      results[i] = record.result;
      viewSlots[i] = record.viewSlot;
      cache.set(join(manifest.root, r.path), r.size, r.mtimeMs, record);
      return record.result;
    },
  });
  return { results: results as HashOutcome[], viewSlots, fresh: missing.length };
}

/**
 * Stage 2 through the cache: an unchanged dataset (same files, splits, labels, hash records) under the same
 * policy and algorithms gets the same candidates, so a re-audit skips the index.
 */
async function cachedCandidates(images: readonly ImageRecord[], hashes: readonly HashOutcome[], policy: Policy, cache: HashCache): Promise<CandidateSet> {
  const key = candidateKey(images, hashes, policy);
  const cached = cache.getCandidates(key);
  if (cached) return cached;
  const set = await candidatePairs(images, hashes, policy);
  cache.setCandidates(key, set);
  return set;
}

/** SHA-256 of everything stage 2 reads: the algorithms, the policy, and per image its bytes' hash, split, label and hash record. */
export function candidateKey(images: readonly ImageRecord[], hashes: readonly HashOutcome[], policy: Policy): string {
  const hash = createHash('sha256').update(`${AUDIT_ALGORITHM}\n${JSON.stringify(policy)}\n`);
  images.forEach((r, i) => {
    const h = hashes[i] as HashOutcome;
    hash.update(`${r.sha256}\t${r.split}\t${r.label}\t`);
    hash.update(h.ok ? `${h.pixel}\t${h.block}\t${h.cropBlocks.join(',')}\t${h.codes}\n` : `failed\n`);
  });
  return hash.digest('hex');
}

/**
 * Stage 3 for the candidates whose score is not in the cache, on the views the hash stage made (no second
 * decode); every outcome in candidate order. Failures are never cached: the next audit tries again.
 */
async function verifyCached(manifest: Manifest, hashes: HashedSet, candidates: readonly NearCandidate[], cache: HashCache, spill: ViewSpill, options: AuditOptions): Promise<PairOutcome[]> {
  const { policy } = options;
  const pixel = (i: number): string => (hashes.results[i] as Hashed).pixel;
  const keys = candidates.map((c) => pairScoreKey(pixel(c.source), pixel(c.target), c.startScale, policy));
  const outcomes: (PairOutcome | undefined)[] = keys.map((k) => {
    const score = cache.getPair(k);
    return score === undefined ? undefined : { ok: true, score };
  });
  const todo = outcomes.flatMap((s, k) => (s === undefined ? [k] : []));
  const cached = candidates.length - todo.length;
  if (candidates.length > 0) options.onProgress?.({ phase: 'verify', done: cached, total: candidates.length });
  const decode = options.decode ?? decodeGray;
  const fresh = await verifyViews(
    todo.map((k) => ({ a: (candidates[k] as NearCandidate).source, b: (candidates[k] as NearCandidate).target })),
    (i) => (hashes.viewSlots[i] as number) >= 0 ? Promise.resolve(spill.get(hashes.viewSlots[i] as number)) : viewFromFile(manifest.root, manifest.images[i] as ImageRecord, decode, options.maxPixels),
    policy,
    {
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      onDone: (done) => options.onProgress?.({ phase: 'verify', done: cached + done, total: candidates.length }),
    },
  );
  todo.forEach((k, j) => {
    const outcome = fresh[j] as PairOutcome;
    outcomes[k] = outcome;
    if (outcome.ok) cache.setPair(keys[k] as string, outcome.score);
  });
  return outcomes as PairOutcome[];
}

/**
 * The comparison view of an image whose record has none (written by another producer; a record with one has it
 * in the spill): decoded from the file as it is now, refusing a file that changed or vanished since it was
 * hashed, so the pair is reported unverified instead of compared with other content.
 */
async function viewFromFile(root: string, record: ImageRecord, decode: Decoder, maxPixels: number | undefined): Promise<Uint8Array> {
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
