import { probeTree, Scratch, type TreeIndex } from './near-query-kernel.mjs';

/**
 * A hierarchical k-means tree over unit vectors (the coarse quantiser of the descriptor index). Internal nodes
 * split their points into at most `branch` children by k-means on a strided sample; leaves hold at most
 * `leafMax` points, stored contiguously (vectors in leaf order), so a query reads whole leaves sequentially.
 * A query walks the tree best-first and stops after `probes` leaves: it never scans all centroids, and its cost is
 * about depth·branch + probes·leafSize dot products — log n, not √n. Everything is deterministic (strided picks,
 * fixed rounds, ties broken by order), so two machines build the same tree and return the same hits.
 */
export interface TreeOptions {
  branch: number;
  /** target points per leaf; a node of at most leafMax = 2·leafTarget points becomes a leaf */
  leafTarget: number;
  /** points k-means sees per node (strided sample) */
  sampleMax: number;
  rounds: number;
  /** internal nodes kept per level of a query's beam search */
  beam: number;
}

export const defaultTreeOptions: TreeOptions = { branch: 16, leafTarget: 32, sampleMax: 2048, rounds: 5, beam: 4 };

interface TreeNode {
  /** offset of the centroid in `centroids` (internal and leaf nodes both have one) */
  centroid: number;
  children: TreeNode[] | null;
  /** leaf: range in the leaf order */
  start: number;
  end: number;
}

type FlatTree = Pick<TreeIndex, 'childStart' | 'isLeaf' | 'start' | 'end' | 'centroids'>;

export class KMeansTree {
  /** the points in leaf order: leafIds[r] is the original index of the vector at leafVectors[r·dims] */
  readonly leafIds: Int32Array;
  readonly leafVectors: Float32Array;
  private readonly centroidList: number[] = [];
  private centroids = new Float32Array(0);
  private readonly root: TreeNode;
  private filled = 0;
  private flat: FlatTree;
  private readonly scratch = new Scratch();

  constructor(
    private vectors: Float32Array,
    private readonly dims: number,
    private readonly options: TreeOptions = defaultTreeOptions,
  ) {
    const n = vectors.length / dims;
    this.leafIds = new Int32Array(n);
    this.leafVectors = new Float32Array(n * dims);
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    this.root = this.build(all, this.meanOf(all), 0);
    this.centroids = Float32Array.from(this.centroidList);
    this.centroidList.length = 0;
    this.flat = this.flatten();
    // the leaves hold their own copy: the caller's array can be collected
    this.vectors = new Float32Array(0);
  }

  /**
   * Calls `visit(start, end)` for the leaf ranges of the `probes` leaves nearest to `query`: a beam search that
   * keeps the `beam` best internal nodes of each level and collects every leaf it meets, then visits the best
   * `probes` of them (by centroid dot product; ties: first met). The search itself is probeTree in the query kernel.
   */
  probe(query: Float32Array, offset: number, probes: number, visit: (start: number, end: number) => void, beam = this.options.beam): void {
    probeTree({ ...this.flat, dims: this.dims }, query, offset, probes, beam, this.scratch, visit);
  }

  /** the tree as the query kernel (and its worker threads) search it */
  searchIndex(probes: number, beam: number): TreeIndex {
    return { kind: 'tree', dims: this.dims, leafIds: this.leafIds, leafVectors: this.leafVectors, ...this.flat, probes, beam };
  }

  /**
   * The tree in breadth-first slots for the query path: slot 0 is the root, a node's children occupy consecutive
   * slots (so their centroids are read sequentially) and slots follow the build order within a parent, so ties
   * resolve in build order, as the walk over the node objects did.
   */
  private flatten(): FlatTree {
    const D = this.dims;
    const order: TreeNode[] = [this.root];
    const childStart = [0];
    for (let i = 0; i < order.length; i++) {
      childStart[i] = order.length;
      for (const child of (order[i] as TreeNode).children ?? []) order.push(child);
    }
    childStart[order.length] = order.length;
    const centroids = new Float32Array(order.length * D);
    order.forEach((node, i) => centroids.set(this.centroids.subarray(node.centroid, node.centroid + D), i * D));
    return {
      childStart: Int32Array.from(childStart),
      isLeaf: Uint8Array.from(order, (node) => (node.children ? 0 : 1)),
      start: Int32Array.from(order, (node) => node.start),
      end: Int32Array.from(order, (node) => node.end),
      centroids,
    };
  }

  private dot(a: Float32Array, ao: number, b: Float32Array, bo: number): number {
    let s = 0;
    for (let d = 0; d < this.dims; d++) s += (a[ao + d] as number) * (b[bo + d] as number);
    return s;
  }

  private build(points: Int32Array, centroid: Float32Array, depth: number): TreeNode {
    const offset = this.centroidList.length;
    for (const x of centroid) this.centroidList.push(x);
    const { branch, leafTarget } = this.options;
    if (points.length <= 2 * leafTarget || depth >= 24) return this.leaf(points, offset);
    const k = Math.min(branch, Math.ceil(points.length / leafTarget));
    const centres = this.kmeans(points, k);
    const groups = this.assign(points, centres, k);
    if (groups.filter((g) => g.length).length < 2) return this.leaf(points, offset);
    const children: TreeNode[] = [];
    groups.forEach((g, c) => {
      if (g.length) children.push(this.build(g, centres.subarray(c * this.dims, (c + 1) * this.dims), depth + 1));
    });
    return { centroid: offset, children, start: 0, end: 0 };
  }

  private leaf(points: Int32Array, centroid: number): TreeNode {
    const start = this.filled;
    for (const i of points) {
      this.leafIds[this.filled] = i;
      this.leafVectors.set(this.vectors.subarray(i * this.dims, (i + 1) * this.dims), this.filled * this.dims);
      this.filled++;
    }
    return { centroid, children: null, start, end: this.filled };
  }

  /** k-means (dot-product / spherical) on a strided sample; centroids start at strided sample points */
  private kmeans(points: Int32Array, k: number): Float32Array {
    const D = this.dims;
    const m = Math.min(points.length, this.options.sampleMax);
    const step = points.length / m;
    const sample = new Int32Array(m);
    for (let s = 0; s < m; s++) sample[s] = points[Math.floor(s * step)] as number;
    const centres = new Float32Array(k * D);
    for (let c = 0; c < k; c++) {
      const i = sample[Math.floor((c * m) / k)] as number;
      centres.set(this.vectors.subarray(i * D, (i + 1) * D), c * D);
    }
    for (let round = 0; round < this.options.rounds; round++) {
      const sums = new Float64Array(k * D);
      const counts = new Int32Array(k);
      for (const i of sample) {
        const c = this.nearest(centres, k, i * D);
        counts[c] = (counts[c] as number) + 1;
        for (let d = 0; d < D; d++) sums[c * D + d] = (sums[c * D + d] as number) + (this.vectors[i * D + d] as number);
      }
      for (let c = 0; c < k; c++) if (counts[c]) this.normaliseInto(centres, c * D, sums, c * D);
    }
    return centres;
  }

  private assign(points: Int32Array, centres: Float32Array, k: number): Int32Array[] {
    const owner = new Int32Array(points.length);
    const sizes = new Int32Array(k);
    points.forEach((i, p) => {
      const c = this.nearest(centres, k, i * this.dims);
      owner[p] = c;
      sizes[c] = (sizes[c] as number) + 1;
    });
    const groups = Array.from({ length: k }, (_, c) => new Int32Array(sizes[c] as number));
    const fill = new Int32Array(k);
    points.forEach((i, p) => {
      const c = owner[p] as number;
      (groups[c] as Int32Array)[fill[c] as number] = i;
      fill[c] = (fill[c] as number) + 1;
    });
    return groups;
  }

  private nearest(centres: Float32Array, k: number, offset: number): number {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < k; c++) {
      const s = this.dot(centres, c * this.dims, this.vectors, offset);
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    return best;
  }

  private meanOf(points: Int32Array): Float32Array {
    const sums = new Float64Array(this.dims);
    for (const i of points) for (let d = 0; d < this.dims; d++) sums[d] = (sums[d] as number) + (this.vectors[i * this.dims + d] as number);
    const out = new Float32Array(this.dims);
    this.normaliseInto(out, 0, sums, 0);
    return out;
  }

  private normaliseInto(out: Float32Array, oo: number, sums: Float64Array, so: number): void {
    let norm = 0;
    for (let d = 0; d < this.dims; d++) norm += (sums[so + d] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < this.dims; d++) out[oo + d] = (sums[so + d] as number) / norm;
  }
}
