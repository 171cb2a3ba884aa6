import type { ImageRecord } from '@leakproof/ingest';
import type { MatchedPair } from './findings.js';
import type { HashOutcome } from './image-hash.js';
import { descriptorCandidates, defaultDescriptorSearch, type DescriptorSearchOptions } from './near-index.js';
import { nearCandidates } from './near-search.js';
import type { Policy } from './policy.js';

/** A pair of images that may be the same radiograph (source < target): to be verified by comparing their canonical views. */
export interface NearCandidate {
  source: number;
  target: number;
  /** blockhash Hamming distance when blockhash proposed it, else -1 */
  distance: number;
  /** whitened descriptor cosine when the descriptor index proposed it, else -1 */
  cosine: number;
  /** kept for the stored-score key of the distributed audit; the view comparison searches scale itself */
  startScale: number;
}

export interface CandidateSet {
  /** pairs proven by hashes alone: identical bytes or identical decoded pixels */
  matched: MatchedPair[];
  /** near-duplicate candidates, each unordered pair once, not already matched */
  candidates: NearCandidate[];
  /** candidates proposed by each source before the union (for measurements) */
  proposed: { blockhash: number; descriptor: number };
}

type Hashed = Extract<HashOutcome, { ok: true }>;

/**
 * Stage 2 (codes only, no pixels): exact and pixel matches from hash groups; near-duplicate candidates from
 * blockhash within `policy.near.radius` (cheap, catches near-identical copies) and from the descriptor index
 * (rotations, mirrors, borders, crops, tone changes), only between images whose verdict matters: in different
 * splits or with different labels.
 */
export async function candidatePairs(images: readonly ImageRecord[], records: readonly HashOutcome[], policy: Policy, search: DescriptorSearchOptions = { ...defaultDescriptorSearch, perImage: policy.near.perImage }): Promise<CandidateSet> {
  const matched = new Map<string, MatchedPair>();
  const keyOf = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
  addGroupPairs(images.map((r) => r.sha256), (a, b) => matched.set(keyOf(a, b), { a, b, kind: 'exact', score: 1, distance: 0 }));
  addGroupPairs(
    records.map((h, i) => (h.ok ? h.pixel : `undecodable:${i}`)),
    (a, b) => {
      if (!matched.has(keyOf(a, b))) matched.set(keyOf(a, b), { a, b, kind: 'pixel', score: 1, distance: 0 });
    },
  );
  if (policy.checks.near === 'off' && policy.checks['label-conflict'] === 'off') return { matched: [...matched.values()], candidates: [], proposed: { blockhash: 0, descriptor: 0 } };

  const relevant = (a: number, b: number): boolean => {
    const [ra, rb] = [images[a] as ImageRecord, images[b] as ImageRecord];
    return ra.split !== rb.split || ra.label !== rb.label;
  };
  const decodable = records.flatMap((h, index) => (h.ok ? [{ index, h }] : [])) as { index: number; h: Hashed }[];
  const candidates = new Map<string, NearCandidate>();
  // blockhash pairs are not filtered: near-identical copies within a split are worth their info line
  const byBlockhash = nearCandidates(decodable.map(({ index, h }) => ({ index, block: h.block, cropBlocks: h.cropBlocks })), policy.near.radius);
  for (const c of byBlockhash) {
    const key = keyOf(c.source, c.target);
    if (!matched.has(key)) candidates.set(key, { source: Math.min(c.source, c.target), target: Math.max(c.source, c.target), distance: c.distance, cosine: -1, startScale: 1 });
  }
  const withCodes = decodable.filter(({ h }) => h.codes);
  const byDescriptor = await descriptorCandidates(
    withCodes.map(({ index, h }) => ({ index, codes: decodeCodes(h.codes) })),
    relevant,
    search,
  );
  for (const c of byDescriptor) {
    const key = keyOf(c.a, c.b);
    if (matched.has(key)) continue;
    const prev = candidates.get(key);
    candidates.set(key, prev ? { ...prev, cosine: c.cosine } : { source: c.a, target: c.b, distance: -1, cosine: c.cosine, startScale: 1 });
  }
  return { matched: [...matched.values()], candidates: [...candidates.values()], proposed: { blockhash: byBlockhash.length, descriptor: byDescriptor.length } };
}

export function decodeCodes(base64: string): Int8Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeView(base64: string): Uint8Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
