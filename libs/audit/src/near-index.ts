import { DESCRIPTOR_DIMS, DESCRIPTORS_PER_IMAGE } from './near-kernel.mjs';

/** One image's descriptors as the candidate stage sees them (codes only, no pixels). */
export interface DescriptorItem {
  /** index of the image in the manifest */
  index: number;
  /** int8 descriptors, DESCRIPTORS_PER_IMAGE × DESCRIPTOR_DIMS: the base first, then the query variants */
  codes: Int8Array;
}

export interface DescriptorCandidate {
  a: number;
  b: number;
  /** cosine of the whitened descriptors of the best matching (variant, mirror) combination */
  cosine: number;
  /** the match was between one image and the other's mirror */
  flip: boolean;
}

export interface DescriptorSearchOptions {
  /** candidates kept per image (its best-ranked relevant neighbours) */
  perImage: number;
  /** candidates below this whitened cosine are not worth verifying */
  minCosine: number;
  /** inverted lists probed per query (more: higher recall, more work) */
  probes: number;
  /** nearest hits each query returns before the relevance filter */
  hitsPerQuery: number;
}

export const defaultDescriptorSearch: DescriptorSearchOptions = { perImage: 3, minCosine: 0.5, probes: 6, hitsPerQuery: 8 };

const D = DESCRIPTOR_DIMS;
const P = DESCRIPTORS_PER_IMAGE;

/**
 * Whitens every descriptor with the per-dimension mean and spread of the base descriptors (chest X-rays share
 * most of their low frequencies: what separates children is the deviation from the average radiograph), then
 * L2-normalises. Odd horizontal frequencies change sign under a mirror, so the mirror of a whitened vector is
 * taken on the raw coefficients first.
 */
function whiten(items: DescriptorItem[]): { vectors: Float32Array; mirrors: Float32Array } {
  const n = items.length;
  const mean = new Float64Array(D);
  const spread = new Float64Array(D);
  for (const it of items) for (let d = 0; d < D; d++) mean[d] = (mean[d] as number) + (it.codes[d] as number) / n;
  for (const it of items) for (let d = 0; d < D; d++) spread[d] = (spread[d] as number) + ((it.codes[d] as number) - (mean[d] as number)) ** 2 / n;
  for (let d = 0; d < D; d++) spread[d] = Math.sqrt(spread[d] as number) || 1;
  const odd = mirrorSigns();
  const vectors = new Float32Array(n * P * D);
  const mirrors = new Float32Array(n * P * D);
  items.forEach((it, k) => {
    for (let v = 0; v < P; v++) {
      const o = (k * P + v) * D;
      let nv = 0;
      let nm = 0;
      for (let d = 0; d < D; d++) {
        const raw = it.codes[v * D + d] as number;
        const w = (raw - (mean[d] as number)) / (spread[d] as number);
        const m = ((odd[d] as number) * raw - (mean[d] as number)) / (spread[d] as number);
        vectors[o + d] = w;
        mirrors[o + d] = m;
        nv += w * w;
        nm += m * m;
      }
      nv = Math.sqrt(nv) || 1;
      nm = Math.sqrt(nm) || 1;
      for (let d = 0; d < D; d++) {
        vectors[o + d] = (vectors[o + d] as number) / nv;
        mirrors[o + d] = (mirrors[o + d] as number) / nm;
      }
    }
  });
  return { vectors, mirrors };
}

/** −1 for the odd horizontal frequencies of the descriptor layout (near-kernel.mjs: (u, v) row-major by v). */
function mirrorSigns(): Float32Array {
  const freq = Math.round(Math.sqrt(D + 1));
  const out = new Float32Array(D);
  let o = 0;
  for (let v = 0; v < freq; v++) for (let u = 0; u < freq; u++) if (u || v) out[o++] = u % 2 ? -1 : 1;
  return out;
}

/**
 * An inverted-file index over the base descriptors: k-means centroids (√(probes·n) of them, a few Lloyd rounds from a
 * seeded pick), each base in its nearest centroid's list. A query scans the lists of its `probes` nearest
 * centroids: O(√(probes·n)) dot products per query instead of n, with no pairwise step.
 */
class InvertedLists {
  readonly centroids: Float32Array;
  readonly lists: Int32Array[];
  readonly count: number;

  constructor(bases: Float32Array, n: number, probes: number) {
    // a query costs count + probes·n/count dot products: least at count = √(probes·n)
    this.count = Math.max(1, Math.min(n, Math.round(Math.sqrt(probes * n))));
    this.centroids = new Float32Array(this.count * D);
    const stride = n / this.count;
    for (let c = 0; c < this.count; c++) this.centroids.set(bases.subarray(Math.floor(c * stride) * D, Math.floor(c * stride) * D + D), c * D);
    const assign = new Int32Array(n);
    const sample = Math.min(n, 20_000);
    const step = n / sample;
    for (let round = 0; round < 4; round++) {
      const sums = new Float64Array(this.count * D);
      const counts = new Int32Array(this.count);
      for (let s = 0; s < sample; s++) {
        const i = Math.floor(s * step);
        const c = this.nearest(bases, i * D, 1)[0] as number;
        counts[c] = (counts[c] as number) + 1;
        for (let d = 0; d < D; d++) sums[c * D + d] = (sums[c * D + d] as number) + (bases[i * D + d] as number);
      }
      for (let c = 0; c < this.count; c++) {
        if (!counts[c]) continue;
        let norm = 0;
        for (let d = 0; d < D; d++) norm += (sums[c * D + d] as number) ** 2;
        norm = Math.sqrt(norm) || 1;
        for (let d = 0; d < D; d++) this.centroids[c * D + d] = (sums[c * D + d] as number) / norm;
      }
    }
    const sizes = new Int32Array(this.count);
    for (let i = 0; i < n; i++) {
      const c = this.nearest(bases, i * D, 1)[0] as number;
      assign[i] = c;
      sizes[c] = (sizes[c] as number) + 1;
    }
    this.lists = Array.from({ length: this.count }, (_, c) => new Int32Array(sizes[c] as number));
    const fill = new Int32Array(this.count);
    for (let i = 0; i < n; i++) {
      const c = assign[i] as number;
      (this.lists[c] as Int32Array)[fill[c] as number] = i;
      fill[c] = (fill[c] as number) + 1;
    }
  }

  /** the `k` centroids with the largest dot product with vector `offset` of `vectors` (k is small) */
  nearest(vectors: Float32Array, offset: number, k: number): Int32Array {
    const top = new Int32Array(k).fill(-1);
    const topScore = new Float64Array(k).fill(-Infinity);
    const cs = this.centroids;
    for (let c = 0; c < this.count; c++) {
      let s = 0;
      const co = c * D;
      for (let d = 0; d < D; d++) s += (cs[co + d] as number) * (vectors[offset + d] as number);
      insertTopK(topScore, top, s, c);
    }
    return top;
  }
}

/**
 * Candidate pairs from descriptors alone. Every image queries the index of base descriptors with each of its
 * descriptors (base and query variants) and their mirrors; each query keeps its `hitsPerQuery` nearest bases,
 * the hits that matter (`relevant`: across splits or labels) are ranked by cosine and the image keeps its best
 * `perImage` at or above `minCosine`. Candidates per image are bounded by construction, whatever the size.
 */
export function descriptorCandidates(items: DescriptorItem[], relevant: (a: number, b: number) => boolean, options: DescriptorSearchOptions = defaultDescriptorSearch): DescriptorCandidate[] {
  const n = items.length;
  if (n < 2) return [];
  const { vectors, mirrors } = whiten(items);
  const bases = new Float32Array(n * D);
  for (let k = 0; k < n; k++) bases.set(vectors.subarray(k * P * D, k * P * D + D), k * D);
  const index = new InvertedLists(bases, n, options.probes);
  const probes = Math.min(index.count, options.probes);
  const pairs = new Map<number, DescriptorCandidate>();
  const bestOf = new Map<number, { cosine: number; flip: boolean }>();
  const hitsPerQuery = options.hitsPerQuery;
  const hitIds = new Int32Array(hitsPerQuery);
  const hitScores = new Float64Array(hitsPerQuery);
  for (let k = 0; k < n; k++) {
    bestOf.clear();
    const self = (items[k] as DescriptorItem).index;
    for (const [source, flip] of [[vectors, false], [mirrors, true]] as const) {
      for (let v = 0; v < P; v++) {
        const qo = (k * P + v) * D;
        hitIds.fill(-1);
        hitScores.fill(-Infinity);
        for (const c of index.nearest(source, qo, probes)) {
          if (c < 0) continue;
          const list = index.lists[c] as Int32Array;
          for (let m = 0; m < list.length; m++) {
            const j = list[m] as number;
            if (j === k) continue;
            let s = 0;
            const bo = j * D;
            for (let d = 0; d < D; d++) s += (source[qo + d] as number) * (bases[bo + d] as number);
            insertTopK(hitScores, hitIds, s, j);
          }
        }
        for (let h = 0; h < hitsPerQuery; h++) {
          const j = hitIds[h] as number;
          const s = hitScores[h] as number;
          if (j < 0 || s < options.minCosine) continue;
          const other = (items[j] as DescriptorItem).index;
          if (!relevant(self, other)) continue;
          const prev = bestOf.get(other);
          if (!prev || s > prev.cosine) bestOf.set(other, { cosine: s, flip });
        }
      }
    }
    const ranked = [...bestOf.entries()].sort((x, y) => y[1].cosine - x[1].cosine).slice(0, options.perImage);
    for (const [other, hit] of ranked) {
      const [a, b] = self < other ? [self, other] : [other, self];
      const key = a * 1e7 + b;
      const prev = pairs.get(key);
      if (!prev || hit.cosine > prev.cosine) pairs.set(key, { a, b, cosine: hit.cosine, flip: hit.flip });
    }
  }
  return [...pairs.values()];
}

/** Keeps the k best (score, id) pairs sorted by descending score; a score not above the k-th is ignored. */
function insertTopK(scores: Float64Array, ids: Int32Array, score: number, id: number): void {
  const k = scores.length;
  if (score <= (scores[k - 1] as number)) return;
  let p = k - 1;
  while (p > 0 && (scores[p - 1] as number) < score) {
    scores[p] = scores[p - 1] as number;
    ids[p] = ids[p - 1] as number;
    p--;
  }
  scores[p] = score;
  ids[p] = id;
}
