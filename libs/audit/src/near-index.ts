import { DotScratch, dotRows } from './dot-rows.js';
import { FlatInvertedLists, insertTopK } from './near-flat-ivf.js';
import { DESCRIPTOR_DIMS, DESCRIPTORS_PER_IMAGE } from './near-kernel.mjs';
import { defaultTreeOptions, KMeansTree } from './near-tree.js';

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
  /**
   * 'tree': k-means tree, work per query independent of n; 'flat-ivf': one level of √(probes·n) lists, every
   * centroid scanned (√n per query); 'auto': flat-ivf up to `flatMax` images (as exact as a full scan on the real
   * split, and no slower than the tree there), the tree above.
   */
  index: 'auto' | 'tree' | 'flat-ivf';
  flatMax: number;
  /** target bases per leaf of the tree */
  leafSize: number;
  /** internal nodes per level a tree query keeps */
  beam: number;
  /** leaves a tree query scans (the flat index probes `probes` lists) */
  treeProbes: number;
  /** measurement only: query with every `queryEvery`-th image (the index still holds all); default 1 */
  queryEvery?: number;
}

export const defaultDescriptorSearch: DescriptorSearchOptions = { perImage: 3, minCosine: 0.5, probes: 6, hitsPerQuery: 8, index: 'auto', flatMax: 16_384, leafSize: 32, beam: 16, treeProbes: 48 };

const D = DESCRIPTOR_DIMS;
const P = DESCRIPTORS_PER_IMAGE;

/**
 * Whitening with the per-dimension mean and spread of the base descriptors (chest X-rays share most of their low
 * frequencies: what separates children is the deviation from the average radiograph), followed by L2
 * normalisation. Odd horizontal frequencies change sign under a mirror, so the mirror of a whitened vector is
 * taken on the raw coefficients first. Vectors are whitened when needed (bases once, an image's queries while it
 * is searched), so memory is n·35 floats, not n·13·2·35.
 */
class Whitening {
  private readonly mean = new Float64Array(D);
  private readonly spread = new Float64Array(D);
  private readonly odd = mirrorSigns();

  constructor(items: DescriptorItem[]) {
    const n = items.length;
    const { mean, spread } = this;
    for (const it of items) for (let d = 0; d < D; d++) mean[d] = (mean[d] as number) + (it.codes[d] as number) / n;
    for (const it of items) for (let d = 0; d < D; d++) spread[d] = (spread[d] as number) + ((it.codes[d] as number) - (mean[d] as number)) ** 2 / n;
    for (let d = 0; d < D; d++) spread[d] = Math.sqrt(spread[d] as number) || 1;
  }

  /** writes descriptor `v` of `codes` (mirrored if asked), whitened and normalised, at `out[offset..]` */
  into(codes: Int8Array, v: number, mirror: boolean, out: Float32Array, offset: number): void {
    let norm = 0;
    for (let d = 0; d < D; d++) {
      const raw = codes[v * D + d] as number;
      const w = ((mirror ? (this.odd[d] as number) * raw : raw) - (this.mean[d] as number)) / (this.spread[d] as number);
      out[offset + d] = w;
      norm += w * w;
    }
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < D; d++) out[offset + d] = (out[offset + d] as number) / norm;
  }
}

/** −1 for the odd horizontal frequencies of the descriptor layout (near-kernel.mjs: (u, v) row-major by v). */
function mirrorSigns(): Float32Array {
  const freq = Math.round(Math.sqrt(D + 1));
  const out = new Float32Array(D);
  let o = 0;
  for (let v = 0; v < freq; v++) for (let u = 0; u < freq; u++) if (u || v) out[o++] = u % 2 ? -1 : 1;
  return out;
}

/** The index structure the candidate stage probes: leaves of base vectors stored contiguously. */
interface ProbedIndex {
  readonly leafIds: Int32Array;
  readonly leafVectors: Float32Array;
  probe(query: Float32Array, offset: number, probes: number, visit: (start: number, end: number) => void): void;
}

function buildIndex(bases: Float32Array, options: DescriptorSearchOptions): ProbedIndex {
  const n = bases.length / D;
  if (options.index === 'flat-ivf' || (options.index === 'auto' && n <= options.flatMax)) return new FlatInvertedLists(bases, D, options.probes);
  const tree = new KMeansTree(bases, D, { ...defaultTreeOptions, leafTarget: options.leafSize, beam: options.beam });
  return { leafIds: tree.leafIds, leafVectors: tree.leafVectors, probe: (query, offset, _probes, visit) => tree.probe(query, offset, options.treeProbes, visit) };
}

/**
 * Candidate pairs from descriptors alone. Every image queries the index of base descriptors with each of its
 * descriptors (base and query variants) and their mirrors; each query keeps its `hitsPerQuery` nearest bases,
 * the hits that matter (`relevant`: across splits or labels) are ranked by cosine and the image keeps its best
 * `perImage` at or above `minCosine`. Candidates per image are bounded by construction, whatever the size, and
 * so is the work per query (`probes` leaves of about `leafSize` bases, found through a k-means tree).
 */
export function descriptorCandidates(items: DescriptorItem[], relevant: (a: number, b: number) => boolean, options: DescriptorSearchOptions = defaultDescriptorSearch): DescriptorCandidate[] {
  const n = items.length;
  if (n < 2) return [];
  const whitening = new Whitening(items);
  let bases: Float32Array | null = new Float32Array(n * D);
  for (let k = 0; k < n; k++) whitening.into((items[k] as DescriptorItem).codes, 0, false, bases, k * D);
  const index = buildIndex(bases, options);
  bases = null;
  const vectors = new Float32Array(P * D);
  const mirrors = new Float32Array(P * D);
  const leafIds = index.leafIds;
  const leafVectors = index.leafVectors;
  const pairs = new Map<number, DescriptorCandidate>();
  const bestOther: number[] = [];
  const bestCosine: number[] = [];
  const bestFlip: boolean[] = [];
  const hitsPerQuery = options.hitsPerQuery;
  const hitIds = new Int32Array(hitsPerQuery);
  const hitScores = new Float64Array(hitsPerQuery);
  let source = vectors;
  let qo = 0;
  let self = 0;
  const scratch = new DotScratch();
  const scan = (start: number, end: number): void => {
    const scores = scratch.of(end - start);
    dotRows(leafVectors, start, end - start, D, source, qo, scores);
    const last = hitsPerQuery - 1;
    for (let r = start; r < end; r++) {
      const j = leafIds[r] as number;
      const s = scores[r - start] as number;
      if (j !== self && s > (hitScores[last] as number)) insertTopK(hitScores, hitIds, s, j);
    }
  };
  for (let k = 0; k < n; k += Math.max(1, options.queryEvery ?? 1)) {
    bestOther.length = bestCosine.length = bestFlip.length = 0;
    self = k;
    for (let v = 0; v < P; v++) {
      whitening.into((items[k] as DescriptorItem).codes, v, false, vectors, v * D);
      whitening.into((items[k] as DescriptorItem).codes, v, true, mirrors, v * D);
    }
    const selfIndex = (items[k] as DescriptorItem).index;
    for (const flip of [false, true]) {
      source = flip ? mirrors : vectors;
      for (let v = 0; v < P; v++) {
        qo = v * D;
        hitIds.fill(-1);
        hitScores.fill(-Infinity);
        index.probe(source, qo, options.probes, scan);
        for (let h = 0; h < hitsPerQuery; h++) {
          const j = hitIds[h] as number;
          const s = hitScores[h] as number;
          if (j < 0 || s < options.minCosine) continue;
          const other = (items[j] as DescriptorItem).index;
          if (!relevant(selfIndex, other)) continue;
          const at = bestOther.indexOf(other);
          if (at < 0) {
            bestOther.push(other);
            bestCosine.push(s);
            bestFlip.push(flip);
          } else if (s > (bestCosine[at] as number)) {
            bestCosine[at] = s;
            bestFlip[at] = flip;
          }
        }
      }
    }
    const order = bestOther.map((_, i) => i).sort((x, y) => (bestCosine[y] as number) - (bestCosine[x] as number) || x - y).slice(0, options.perImage);
    for (const i of order) {
      const other = bestOther[i] as number;
      const cosine = bestCosine[i] as number;
      const [a, b] = selfIndex < other ? [selfIndex, other] : [other, selfIndex];
      const key = a * 1e7 + b;
      const prev = pairs.get(key);
      if (!prev || cosine > prev.cosine) pairs.set(key, { a, b, cosine, flip: bestFlip[i] as boolean });
    }
  }
  return [...pairs.values()];
}
