import { CODE_BITS, CODE_WORDS, hamming, readBits } from './bits.js';

export interface CodePair {
  a: number;
  b: number;
  distance: number;
}

/**
 * Multi-index hashing (Norouzi et al.): split the 256 bits into r+1 disjoint substrings. Two codes within
 * Hamming distance r must agree exactly on at least one substring (pigeonhole), so looking up each
 * substring in its own hash table and checking the full distance of the union of hits is exact for radius r,
 * while touching only a small fraction of the codes.
 */
export class MultiIndexHash {
  readonly radius: number;
  private readonly codes: Uint32Array;
  private readonly count: number;
  private readonly substrings: { start: number; length: number }[];
  /** per substring: key → bucket number, and the bucket members packed CSR-style (offsets into members) */
  private readonly tables: { buckets: Map<number, number>; offsets: Int32Array; members: Int32Array }[];

  constructor(codes: Uint32Array, radius: number) {
    if (!Number.isInteger(radius) || radius < 0 || radius >= 64) throw new Error(`radius must be an integer in 0..63, got ${radius}`);
    if (codes.length % CODE_WORDS !== 0) throw new Error('codes must be packed 8 words per code');
    this.codes = codes;
    this.count = codes.length / CODE_WORDS;
    this.radius = radius;
    const parts = radius + 1;
    this.substrings = [];
    let start = 0;
    for (let p = 0; p < parts; p++) {
      const length = Math.floor(CODE_BITS / parts) + (p < CODE_BITS % parts ? 1 : 0);
      this.substrings.push({ start, length });
      start += length;
    }
    this.tables = this.substrings.map(({ start: s, length }) => {
      const buckets = new Map<number, number>();
      const bucketOf = new Int32Array(this.count);
      const counts: number[] = [];
      for (let i = 0; i < this.count; i++) {
        const key = readBits(codes, i, s, length);
        let b = buckets.get(key);
        if (b === undefined) {
          b = counts.length;
          buckets.set(key, b);
          counts.push(0);
        }
        bucketOf[i] = b;
        counts[b] = (counts[b] as number) + 1;
      }
      const offsets = new Int32Array(counts.length + 1);
      for (let b = 0; b < counts.length; b++) offsets[b + 1] = (offsets[b] as number) + (counts[b] as number);
      const fill = offsets.slice(0, counts.length);
      const members = new Int32Array(this.count);
      for (let i = 0; i < this.count; i++) {
        const b = bucketOf[i] as number;
        members[fill[b] as number] = i;
        fill[b] = (fill[b] as number) + 1;
      }
      return { buckets, offsets, members };
    });
  }

  get size(): number {
    return this.count;
  }

  /** Every indexed code within the radius of `query[qi]`, with its distance. */
  query(query: Uint32Array, qi: number, seen: Int32Array = new Int32Array(this.count).fill(-1), stamp = 0): { index: number; distance: number }[] {
    const hits: { index: number; distance: number }[] = [];
    this.substrings.forEach(({ start, length }, p) => {
      const table = this.tables[p] as { buckets: Map<number, number>; offsets: Int32Array; members: Int32Array };
      const b = table.buckets.get(readBits(query, qi, start, length));
      if (b === undefined) return;
      for (let m = table.offsets[b] as number, end = table.offsets[b + 1] as number; m < end; m++) {
        const j = table.members[m] as number;
        if (seen[j] === stamp) continue;
        seen[j] = stamp;
        const distance = hamming(query, qi, this.codes, j);
        if (distance <= this.radius) hits.push({ index: j, distance });
      }
    });
    return hits;
  }

  /** All unordered pairs of indexed codes within the radius (a self-join), each once with a < b. */
  pairsWithin(): CodePair[] {
    const seen = new Int32Array(this.count).fill(-1);
    const pairs: CodePair[] = [];
    for (let i = 0; i < this.count; i++) {
      for (const hit of this.query(this.codes, i, seen, i)) if (hit.index > i) pairs.push({ a: i, b: hit.index, distance: hit.distance });
    }
    return pairs;
  }
}

/** The obvious O(n) scan, the baseline the index is measured and tested against. */
export function bruteForceQuery(codes: Uint32Array, query: Uint32Array, qi: number, radius: number): { index: number; distance: number }[] {
  const hits: { index: number; distance: number }[] = [];
  const n = codes.length / CODE_WORDS;
  for (let j = 0; j < n; j++) {
    const distance = hamming(query, qi, codes, j);
    if (distance <= radius) hits.push({ index: j, distance });
  }
  return hits;
}
