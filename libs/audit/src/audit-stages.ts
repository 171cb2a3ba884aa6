import { mapLimited } from '@leakproof/core';
import { basename, join } from 'node:path';
import type { ImageRecord, Manifest, Problem } from '@leakproof/ingest';
import { buildFindings, type MatchedPair } from './findings.js';
import { splitFingerprint } from './fingerprint.js';
import { hashFiles } from './hash-pool.js';
import type { HashOutcome } from './image-hash.js';
import { nearCandidates, type NearCandidate } from './near-search.js';
import { policyHash, type Policy } from './policy.js';
import { auditReportSchema, type AuditReport } from './report-schema.js';
import { summarise } from './summary.js';
import { loadThumb, similarity, THUMB_SIZE, type Thumb } from './verify.js';

/**
 * The audit as four stages, so one machine (auditManifest) and many (the distributed audit in
 * @leakproof/queue) run the same functions and write the same report by construction:
 * hashImageBatch → candidatePairs → verifyPairBatch → assembleReport.
 */

export const TOOL = { name: 'leakproof', version: '0.1.0' } as const;

/**
 * Names the hash and verification algorithms: a stored hash or score computed under another value must not
 * be reused. Bump it whenever image-hash, the hash kernel or verify change their output.
 */
export const AUDIT_ALGORITHM = 'hash-v1/verify-v1';

export interface HashBatchOptions {
  workers?: number;
  maxPixels?: number;
  onDone?: (done: number) => void;
}

/** Stage 1: per-file hash outcomes (never throws for a bad image: it becomes `{ ok: false }`), in input order. */
export async function hashImageBatch(absolutePaths: string[], options: HashBatchOptions = {}): Promise<HashOutcome[]> {
  return hashFiles(absolutePaths, options);
}

/** Exact and pixel matches found by grouping, and the near-duplicate candidates still to verify. */
export interface CandidateSet {
  matched: MatchedPair[];
  candidates: NearCandidate[];
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);

/** Stage 2: from every image's record and hash outcome (same order as manifest.images), the pairs to report or verify. */
export function candidatePairs(images: readonly ImageRecord[], hashes: readonly HashOutcome[], policy: Policy): CandidateSet {
  const pairs = new Map<string, MatchedPair>();
  addGroupPairs(images.map((r) => r.sha256), (a, b) => pairs.set(pairKey(a, b), { a, b, kind: 'exact', score: 1, distance: 0 }));
  addGroupPairs(
    hashes.map((h, i) => (h.ok ? h.pixel : `undecodable:${i}`)),
    (a, b) => {
      if (!pairs.has(pairKey(a, b))) pairs.set(pairKey(a, b), { a, b, kind: 'pixel', score: 1, distance: 0 });
    },
  );
  const decodable = hashes.flatMap((h, index) => (h.ok ? [{ index, block: h.block, cropBlocks: h.cropBlocks }] : []));
  const skipNear = policy.checks.near === 'off' && policy.checks['label-conflict'] === 'off';
  const candidates = skipNear ? [] : nearCandidates(decodable, policy.near.radius).filter((c) => !pairs.has(pairKey(c.source, c.target)));
  return { matched: [...pairs.values()], candidates };
}

/** One candidate to verify, by absolute file paths (a worker has no manifest indices). */
export interface PairToVerify {
  source: string;
  target: string;
  startScale: number;
}

export interface VerifyBatchOptions {
  maxPixels?: number;
  onDone?: (done: number) => void;
}

/** Key of a verified score: the two pixel hashes, the start scale and the verification settings. */
export function pairScoreKey(pixelA: string, pixelB: string, startScale: number, policy: Policy): string {
  return `${pixelA}:${pixelB}:${startScale}:${THUMB_SIZE}/${policy.near.maxScale}/${policy.near.maxShift}`;
}

/** Stage 3: thumbnail-correlation score of each pair, in input order; -1 when a thumbnail cannot be made. */
export async function verifyPairBatch(pairs: readonly PairToVerify[], policy: Policy, options: VerifyBatchOptions = {}): Promise<number[]> {
  const thumbs = new Map<string, Promise<Thumb | undefined>>();
  const thumb = (path: string): Promise<Thumb | undefined> => {
    let t = thumbs.get(path);
    if (!t) {
      t = loadThumb(path, THUMB_SIZE, options.maxPixels).catch(() => undefined);
      thumbs.set(path, t);
    }
    return t;
  };
  const scores: number[] = new Array(pairs.length);
  let done = 0;
  await mapLimited(
    pairs.map((_, i) => i),
    8,
    async (i) => {
      const p = pairs[i] as PairToVerify;
      const [a, b] = await Promise.all([thumb(p.source), thumb(p.target)]);
      scores[i] = a && b ? similarity(a, b, { maxScale: policy.near.maxScale, maxShift: policy.near.maxShift }, [p.startScale]) : -1;
      options.onDone?.(++done);
    },
  );
  return scores;
}

/** The pairs of stage 3 for a manifest's candidates, by absolute path. */
export function pairsToVerify(manifest: Manifest, candidates: readonly NearCandidate[]): PairToVerify[] {
  const path = (i: number): string => join(manifest.root, (manifest.images[i] as ImageRecord).path);
  return candidates.map((c) => ({ source: path(c.source), target: path(c.target), startScale: c.startScale }));
}

export interface AssembleOptions {
  policy: Policy;
  name?: string;
  /** extra problems found outside the hash outcomes (e.g. a file that crashed a distributed worker) */
  extraProblems?: Problem[];
  timings: AuditReport['timings'];
}

/** Stage 4: the report from the manifest, every hash outcome, the candidate set and the candidates' scores. */
export function assembleReport(manifest: Manifest, hashes: readonly HashOutcome[], set: CandidateSet, scores: readonly number[], options: AssembleOptions): AuditReport {
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

  const pairs = [...set.matched];
  set.candidates.forEach((c, k) => {
    const score = scores[k] as number;
    if (score >= policy.near.minSimilarity) pairs.push({ a: c.source, b: c.target, kind: 'near', score, distance: c.distance });
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

/** Calls `pair` for members of equal-key groups: all pairs in small groups, each member with the first in large ones. */
function addGroupPairs(keys: string[], pair: (a: number, b: number) => void): void {
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const g = groups.get(k);
    if (g) g.push(i);
    else groups.set(k, [i]);
  });
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    if (members.length > 32) {
      for (const m of members.slice(1)) pair(members[0] as number, m);
      continue;
    }
    for (let x = 0; x < members.length; x++) for (let y = x + 1; y < members.length; y++) pair(members[x] as number, members[y] as number);
  }
}
