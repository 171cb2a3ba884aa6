import { mapLimited } from '@leakproof/core';
import { join, basename } from 'node:path';
import type { ImageRecord, Manifest, Problem } from '@leakproof/ingest';
import { splitFingerprint } from './fingerprint.js';
import { HashCache } from './hash-cache.js';
import { hashFiles } from './hash-pool.js';
import type { HashOutcome } from './image-hash.js';
import { nearCandidates } from './near-search.js';
import { policyHash, type Policy } from './policy.js';
import { auditReportSchema, type AuditReport } from './report-schema.js';
import { buildFindings, type MatchedPair } from './findings.js';
import { loadThumb, similarity, THUMB_SIZE, type Thumb } from './verify.js';
import { summarise } from './summary.js';

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
}

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
  const pairs = new Map<string, MatchedPair>();
  const keyOf = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
  addGroupPairs(images.map((r) => r.sha256), (a, b) => pairs.set(keyOf(a, b), { a, b, kind: 'exact', score: 1, distance: 0 }));
  addGroupPairs(
    hashes.results.map((h, i) => (h.ok ? h.pixel : `undecodable:${i}`)),
    (a, b) => {
      if (!pairs.has(keyOf(a, b))) pairs.set(keyOf(a, b), { a, b, kind: 'pixel', score: 1, distance: 0 });
    },
  );
  const decodable = hashes.results.flatMap((h, index) => (h.ok ? [{ index, block: h.block, cropBlocks: h.cropBlocks }] : []));
  const candidates = policy.checks.near === 'off' && policy.checks['label-conflict'] === 'off' ? [] : nearCandidates(decodable, policy.near.radius).filter((c) => !pairs.has(keyOf(c.source, c.target)));
  const indexMs = performance.now() - indexStarted;

  const verifyStarted = performance.now();
  const thumbs = new Map<number, Promise<Thumb | undefined>>();
  const thumb = (i: number): Promise<Thumb | undefined> => {
    let t = thumbs.get(i);
    if (!t) {
      t = loadThumb(join(manifest.root, (images[i] as ImageRecord).path), THUMB_SIZE, options.maxPixels).catch(() => undefined);
      thumbs.set(i, t);
    }
    return t;
  };
  const settings = `${THUMB_SIZE}/${policy.near.maxScale}/${policy.near.maxShift}`;
  let verified = 0;
  await mapLimited(candidates, 8, async (c) => {
    const ha = hashes.results[c.source] as Extract<HashOutcome, { ok: true }>;
    const hb = hashes.results[c.target] as Extract<HashOutcome, { ok: true }>;
    const key = `${ha.pixel}:${hb.pixel}:${c.startScale}:${settings}`;
    let score = cache.getPair(key);
    if (score === undefined) {
      const [a, b] = await Promise.all([thumb(c.source), thumb(c.target)]);
      score = a && b ? similarity(a, b, { maxScale: policy.near.maxScale, maxShift: policy.near.maxShift }, [c.startScale]) : -1;
      cache.setPair(key, score);
    }
    if (score >= policy.near.minSimilarity) {
      pairs.set(keyOf(c.source, c.target), { a: c.source, b: c.target, kind: 'near', score, distance: c.distance });
    }
    options.onProgress?.({ phase: 'verify', done: ++verified, total: candidates.length });
  });
  const verifyMs = performance.now() - verifyStarted;
  await cache.save();

  const { findings, withinSplitDuplicates } = buildFindings(images, [...pairs.values()], policy);
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
