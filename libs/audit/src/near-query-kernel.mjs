// The descriptor index's query path, in plain JavaScript so the candidate stage's worker threads
// (near-query-worker.mjs) run exactly the code this thread runs: whitening of an image's queries, the probe of
// the flat lists or of the k-means tree, and the scan of the probed leaves. An image's hits depend only on the
// index and its own codes, so splitting images across threads gives the same hits, bit for bit.

/** Keeps the k best (score, id) pairs sorted by descending score; a score not above the k-th is ignored (ties: first kept). */
export function insertTopK(scores, ids, score, id) {
  const k = scores.length;
  if (score <= scores[k - 1]) return;
  let p = k - 1;
  while (p > 0 && scores[p - 1] < score) {
    scores[p] = scores[p - 1];
    ids[p] = ids[p - 1];
    p--;
  }
  scores[p] = score;
  ids[p] = id;
}

/**
 * Dot products of `query` (dims values at `queryOffset`) with rows `first .. first + count − 1` of a row-major
 * matrix, into `out[0 .. count − 1]`. Four rows run at a time so four independent sums hide the latency of each
 * addition; every sum still runs over d = 0 .. dims − 1 in order, so each result is bit-identical to the plain
 * one-row loop (candidate lists and their ties do not change), about 2× faster.
 */
export function dotRows(matrix, first, count, dims, query, queryOffset, out) {
  const D = dims;
  let k = 0;
  for (; k + 3 < count; k += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let d = 0, o = (first + k) * D; d < D; d++, o++) {
      const x = query[queryOffset + d];
      s0 += x * matrix[o];
      s1 += x * matrix[o + D];
      s2 += x * matrix[o + 2 * D];
      s3 += x * matrix[o + 3 * D];
    }
    out[k] = s0;
    out[k + 1] = s1;
    out[k + 2] = s2;
    out[k + 3] = s3;
  }
  for (; k < count; k++) {
    let s = 0;
    for (let d = 0, o = (first + k) * D; d < D; d++, o++) s += query[queryOffset + d] * matrix[o];
    out[k] = s;
  }
}

/** Scratch buffers of one searching thread. */
export class Scratch {
  constructor() {
    this.dots = new Float64Array(64);
    this.top = new Int32Array(0);
    this.topScore = new Float64Array(0);
    this.beamTop = new Int32Array(0);
    this.beamTopScore = new Float64Array(0);
    this.frontier = new Int32Array(0);
  }

  dotsOf(count) {
    if (this.dots.length < count) this.dots = new Float64Array(count * 2);
    return this.dots;
  }

  tops(probes, beam) {
    if (this.top.length !== probes) {
      this.top = new Int32Array(probes);
      this.topScore = new Float64Array(probes);
    }
    if (this.beamTop.length !== beam) {
      this.beamTop = new Int32Array(beam);
      this.beamTopScore = new Float64Array(beam);
      this.frontier = new Int32Array(beam);
    }
  }
}

/** The `probes` flat lists whose centroids are nearest to the query, best first; calls visit(start, end) for each. */
export function probeFlat(flat, query, offset, probes, scratch, visit) {
  const k = Math.min(probes, flat.count);
  scratch.tops(k, 1);
  const { top, topScore } = scratch;
  top.fill(-1);
  topScore.fill(-Infinity);
  const dots = scratch.dotsOf(flat.count);
  dotRows(flat.centroids, 0, flat.count, flat.dims, query, offset, dots);
  for (let c = 0; c < flat.count; c++) insertTopK(topScore, top, dots[c], c);
  for (let i = 0; i < k; i++) if (top[i] >= 0) visit(flat.starts[top[i]], flat.starts[top[i] + 1]);
}

/**
 * The tree's beam search over its breadth-first slots (near-tree.ts builds them): keeps the `beam` best internal
 * nodes of each level, collects every leaf it meets, then visits the best `probes` of them (by centroid dot
 * product; ties: first met).
 */
export function probeTree(tree, query, offset, probes, beam, scratch, visit) {
  const { childStart, isLeaf, centroids, start, end, dims } = tree;
  if (childStart[0] === childStart[1]) return visit(start[0], end[0]);
  scratch.tops(probes, beam);
  const { top, topScore, beamTop, beamTopScore, frontier } = scratch;
  top.fill(-1);
  topScore.fill(-Infinity);
  frontier[0] = 0;
  let width = 1;
  while (width) {
    beamTop.fill(-1);
    beamTopScore.fill(-Infinity);
    for (let f = 0; f < width; f++) {
      const first = childStart[frontier[f]];
      const count = childStart[frontier[f] + 1] - first;
      const dots = scratch.dotsOf(count);
      dotRows(centroids, first, count, dims, query, offset, dots);
      for (let k = 0; k < count; k++) {
        if (isLeaf[first + k]) insertTopK(topScore, top, dots[k], first + k);
        else insertTopK(beamTopScore, beamTop, dots[k], first + k);
      }
    }
    width = 0;
    for (let k = 0; k < beam; k++) if (beamTop[k] >= 0) frontier[width++] = beamTop[k];
  }
  for (let k = 0; k < probes; k++) if (top[k] >= 0) visit(start[top[k]], end[top[k]]);
}

/**
 * Writes descriptor `v` of `codes` (mirrored if asked), whitened with the base descriptors' per-dimension mean
 * and spread and L2-normalised, at `out[offset..]` (a Float32Array). Odd horizontal frequencies change sign
 * under a mirror, so the mirror is taken on the raw coefficients first.
 */
export function whitenInto(whitening, codes, v, mirror, out, offset) {
  const { mean, spread, odd, dims: D } = whitening;
  let norm = 0;
  for (let d = 0; d < D; d++) {
    const raw = codes[v * D + d];
    const w = ((mirror ? odd[d] * raw : raw) - mean[d]) / spread[d];
    out[offset + d] = w;
    norm += w * w;
  }
  norm = Math.sqrt(norm) || 1;
  for (let d = 0; d < D; d++) out[offset + d] = out[offset + d] / norm;
}

/**
 * Searches the index with every query of one image: its `perImage` descriptors and their mirrors, in the order
 * (mirror false, v = 0..P−1), (mirror true, v = 0..P−1). Each query's `hits` nearest bases (other than `self`)
 * go to ids/scores at `outOffset + query·hits`, best first; empty places hold id −1.
 */
export class ImageSearcher {
  /** @param index {{ kind: 'tree' | 'flat', dims: number, leafIds: Int32Array, leafVectors: Float32Array, probes: number, beam?: number }} */
  constructor(index, whitening, perImage, hits) {
    this.index = index;
    this.whitening = whitening;
    this.perImage = perImage;
    this.hits = hits;
    this.scratch = new Scratch();
    this.vectors = new Float32Array(perImage * index.dims);
    this.mirrors = new Float32Array(perImage * index.dims);
  }

  search(codes, self, outIds, outScores, outOffset) {
    const { index, whitening, perImage: P, hits, scratch } = this;
    const D = index.dims;
    for (let v = 0; v < P; v++) {
      whitenInto(whitening, codes, v, false, this.vectors, v * D);
      whitenInto(whitening, codes, v, true, this.mirrors, v * D);
    }
    const { leafIds, leafVectors } = index;
    let source = this.vectors;
    let qo = 0;
    let ids = outIds.subarray(0, 0);
    let scores = outScores.subarray(0, 0);
    const scan = (start, end) => {
      const dots = scratch.dotsOf(end - start);
      dotRows(leafVectors, start, end - start, D, source, qo, dots);
      for (let r = start; r < end; r++) {
        const j = leafIds[r];
        const s = dots[r - start];
        if (j !== self && s > scores[hits - 1]) insertTopK(scores, ids, s, j);
      }
    };
    for (let q = 0; q < 2 * P; q++) {
      source = q < P ? this.vectors : this.mirrors;
      qo = (q % P) * D;
      ids = outIds.subarray(outOffset + q * hits, outOffset + (q + 1) * hits);
      scores = outScores.subarray(outOffset + q * hits, outOffset + (q + 1) * hits);
      ids.fill(-1);
      scores.fill(-Infinity);
      // the probe's scratch (tops) is separate from the scan's (dots): the scan runs inside the probe's visits
      if (index.kind === 'tree') probeTree(index, source, qo, index.probes, index.beam, this.probeScratch(), scan);
      else probeFlat(index, source, qo, index.probes, this.probeScratch(), scan);
    }
  }

  probeScratch() {
    this.probeScratchObject ??= new Scratch();
    return this.probeScratchObject;
  }
}
