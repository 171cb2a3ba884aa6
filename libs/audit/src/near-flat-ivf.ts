import type { FlatListsIndex } from './near-query-kernel.mjs';

/**
 * The first descriptor index (AUDIT_ALGORITHM hash-v2/verify-v2), kept to measure against: one level of k-means,
 * √(probes·n) inverted lists, and every query scans all centroids — O(√n) per query (probeFlat in the query
 * kernel). Lists stored contiguously in list order, as the tree's leaves.
 */
export class FlatInvertedLists {
  readonly leafIds: Int32Array;
  readonly leafVectors: Float32Array;
  readonly count: number;
  private readonly centroids: Float32Array;
  private readonly starts: Int32Array;

  constructor(bases: Float32Array, private readonly dims: number, probes: number) {
    const D = dims;
    const n = bases.length / D;
    // a query costs count + probes·n/count dot products: least at count = √(probes·n)
    this.count = Math.max(1, Math.min(n, Math.round(Math.sqrt(probes * n))));
    this.centroids = new Float32Array(this.count * D);
    const stride = n / this.count;
    for (let c = 0; c < this.count; c++) this.centroids.set(bases.subarray(Math.floor(c * stride) * D, Math.floor(c * stride) * D + D), c * D);
    const sample = Math.min(n, 20_000);
    const step = n / sample;
    for (let round = 0; round < 4; round++) {
      const sums = new Float64Array(this.count * D);
      const counts = new Int32Array(this.count);
      for (let s = 0; s < sample; s++) {
        const i = Math.floor(s * step);
        const c = this.nearestOne(bases, i * D);
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
    const assign = new Int32Array(n);
    const sizes = new Int32Array(this.count);
    for (let i = 0; i < n; i++) {
      const c = this.nearestOne(bases, i * D);
      assign[i] = c;
      sizes[c] = (sizes[c] as number) + 1;
    }
    this.starts = new Int32Array(this.count + 1);
    for (let c = 0; c < this.count; c++) this.starts[c + 1] = (this.starts[c] as number) + (sizes[c] as number);
    const fill = this.starts.slice(0, this.count);
    this.leafIds = new Int32Array(n);
    this.leafVectors = new Float32Array(n * D);
    for (let i = 0; i < n; i++) {
      const c = assign[i] as number;
      const r = fill[c] as number;
      this.leafIds[r] = i;
      this.leafVectors.set(bases.subarray(i * D, i * D + D), r * D);
      fill[c] = r + 1;
    }
  }

  /** the lists as the query kernel (and its worker threads) search them */
  searchIndex(probes: number): FlatListsIndex {
    return { kind: 'flat', dims: this.dims, leafIds: this.leafIds, leafVectors: this.leafVectors, centroids: this.centroids, count: this.count, starts: this.starts, probes };
  }

  private nearestOne(vectors: Float32Array, offset: number): number {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < this.count; c++) {
      const s = this.dot(this.centroids, c * this.dims, vectors, offset);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  private dot(a: Float32Array, ao: number, b: Float32Array, bo: number): number {
    let s = 0;
    for (let d = 0; d < this.dims; d++) s += (a[ao + d] as number) * (b[bo + d] as number);
    return s;
  }
}
