import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import { type DecodeOptions, type GrayImage, type ImageRecord, type Manifest, type Problem } from '@leakproof/ingest';
import { candidatePairs, type CandidateSet, type NearCandidate } from './candidates.js';
import { buildFindings, type MatchedPair } from './findings.js';
import { splitFingerprint } from './fingerprint.js';
import { hashFiles } from './hash-pool.js';
import type { HashOutcome } from './image-hash.js';
import { policyHash, type Policy } from './policy.js';
import { auditReportSchema, type AuditReport } from './report-schema.js';
import { summarise } from './summary.js';
import { compareOptions, compareSettings, ViewComparer } from './view-comparer.js';
import { verifyPairs, type PairOutcome } from './verify-pairs.js';

/**
 * The audit as four stages, so one machine (auditManifest) and many (the distributed audit in
 * @leakproof/queue) run the same functions and write the same report by construction:
 * hashImageBatch → candidatePairs → verifyViews (views from the hash records: the local records, or the
 * distributed store's) → assembleReport.
 */

export const TOOL = { name: 'leakproof', version: '0.1.0' } as const;

/**
 * Names the hash and verification algorithms: a stored hash or score computed under another value must not
 * be reused. Bump it whenever image-hash, the hash kernel, the near-duplicate kernel or the view comparison
 * change their output. v2: canonical views and descriptors in the hash records, view comparison with rotation,
 * mirror and stretch search.
 */
export const AUDIT_ALGORITHM = 'hash-v2/verify-v2';

export type Decoder = (path: string, options: DecodeOptions) => Promise<GrayImage>;

export interface HashBatchOptions {
  workers?: number;
  maxPixels?: number;
  onDone?: (done: number) => void;
  /** the image decoder (default decodeGray); injectable so tests can make decodes fail */
  decode?: Decoder;
  /** what to keep of each outcome as it arrives (auditManifest moves the view to a spill file); default all */
  keep?: (outcome: HashOutcome, index: number) => HashOutcome;
}

/**
 * Stage 1: per-file hash outcomes — pixel hash, blockhash codes and the near-duplicate record (canonical view,
 * descriptors) from one decode — in input order; a bad image becomes `{ ok: false }`, never a throw.
 */
export async function hashImageBatch(absolutePaths: string[], options: HashBatchOptions = {}): Promise<HashOutcome[]> {
  return hashFiles(absolutePaths, options);
}

/** Stage 2 (codes only): see candidates.ts. */
export { candidatePairs, type CandidateSet, type NearCandidate };

/** Key of a stored score: the two pixel hashes and the comparison settings (startScale kept for stored keys). */
export function pairScoreKey(pixelA: string, pixelB: string, startScale: number, policy: Policy): string {
  return `${pixelA}:${pixelB}:${startScale}:${compareSettings(policy)}`;
}

/** Stage 3: compare the canonical views of each pair (loaded by `load`), on worker threads. */
export async function verifyViews(
  pairs: { a: number; b: number }[],
  load: (index: number) => Promise<Uint8Array>,
  policy: Policy,
  options: { workers?: number; onDone?: (done: number) => void } = {},
): Promise<PairOutcome[]> {
  const comparer = new ViewComparer(options.workers ?? availableParallelism(), pairs.length);
  const settings = compareOptions(policy);
  try {
    return await verifyPairs(pairs, {
      load,
      compare: (a, b) => comparer.compare(a, b, settings),
      compareConcurrency: comparer.concurrency,
      ...(options.onDone ? { onDone: options.onDone } : {}),
    });
  } finally {
    await comparer.close();
  }
}

/** The report's timings: images, how many were hashed now, each stage's milliseconds and the total since `started`. */
export function auditTimings(images: number, hashedFresh: number, ms: { hash: number; index: number; verify: number }, started: number): AuditReport['timings'] {
  return {
    images,
    hashedFresh,
    fromCache: images - hashedFresh,
    hashMs: Math.round(ms.hash),
    indexMs: Math.round(ms.index),
    verifyMs: Math.round(ms.verify),
    totalMs: Math.round(performance.now() - started),
  };
}

export interface AssembleOptions {
  policy: Policy;
  name?: string;
  /** extra problems found outside the hash outcomes (e.g. a file that crashed a distributed worker) */
  extraProblems?: Problem[];
  timings: AuditReport['timings'];
}

/**
 * Stage 4: the report from the manifest, every hash outcome, the candidate set and the candidates' outcomes.
 * A plain number is a score, and a negative one (or a missing one) means the pair could not be verified: it is
 * reported `unverified` — fail closed — never silently dropped.
 */
export function assembleReport(manifest: Manifest, hashes: readonly HashOutcome[], set: CandidateSet, scores: readonly (number | PairOutcome)[], options: AssembleOptions): AuditReport {
  const { policy } = options;
  const images = manifest.images;
  const problems: Problem[] = [...manifest.problems];
  const listed = new Set(problems.map((p) => p.path));
  hashes.forEach((h, i) => {
    const record = images[i] as ImageRecord;
    if (!h.ok && !listed.has(record.path)) {
      problems.push({ path: record.path, kind: h.kind, message: `cannot decode: ${h.message}`, hint: 'replace or remove the file; it was left out of the pixel and near-duplicate checks', severity: 'error' });
    }
  });
  problems.push(...(options.extraProblems ?? []));

  const pairs: MatchedPair[] = [...set.matched];
  set.candidates.forEach((c, k) => {
    const raw = scores[k];
    const outcome: PairOutcome =
      typeof raw === 'number' && raw >= 0 ? { ok: true, score: raw } : typeof raw === 'object' ? raw : { ok: false, reason: 'no verification score came back (the files could not be compared)' };
    if (!outcome.ok) pairs.push({ a: c.source, b: c.target, kind: 'unverified', reason: outcome.reason, distance: c.distance });
    else if (outcome.score >= policy.near.minSimilarity) pairs.push({ a: c.source, b: c.target, kind: 'near', score: outcome.score, distance: c.distance });
  });
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
    info: { ...summary.info, withinSplitDuplicates, idRule: manifest.idRule, nearCandidates: set.candidates.length },
    problems,
    timings: options.timings,
  };
  return auditReportSchema.parse(report);
}
