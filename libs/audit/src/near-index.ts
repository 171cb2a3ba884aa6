import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { FlatInvertedLists } from './near-flat-ivf.js';
import { DESCRIPTOR_DIMS, DESCRIPTORS_PER_IMAGE } from './near-kernel.mjs';
import { ImageSearcher, whitenInto, type SearchIndex, type WhiteningParams } from './near-query-kernel.mjs';
import { defaultTreeOptions, KMeansTree } from './near-tree.js';
import { withoutLoaders } from './hash-pool.js';

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
  /** threads that search (default one per core); the searches of at least `parallelFrom` images are split across them */
  workers?: number;
  /** default PARALLEL_MIN_IMAGES */
  parallelFrom?: number;
}

/** below this many searching images one thread searches: starting the threads and copying the index costs more */
export const PARALLEL_MIN_IMAGES = 4096;
/** images per worker task */
const TASK_IMAGES = 512;

export const defaultDescriptorSearch: DescriptorSearchOptions = { perImage: 3, minCosine: 0.5, probes: 6, hitsPerQuery: 8, index: 'auto', flatMax: 16_384, leafSize: 32, beam: 16, treeProbes: 48 };

const D = DESCRIPTOR_DIMS;
const P = DESCRIPTORS_PER_IMAGE;

/**
 * Whitening with the per-dimension mean and spread of the base descriptors (chest X-rays share most of their low
 * frequencies: what separates children is the deviation from the average radiograph), followed by L2
 * normalisation (whitenInto in the query kernel). Vectors are whitened when needed (bases once, an image's queries
 * while it is searched), so memory is n·35 floats, not n·13·2·35.
 */
function whiteningOf(items: DescriptorItem[]): WhiteningParams {
  const n = items.length;
  const mean = new Float64Array(D);
  const spread = new Float64Array(D);
  for (const it of items) for (let d = 0; d < D; d++) mean[d] = (mean[d] as number) + (it.codes[d] as number) / n;
  for (const it of items) for (let d = 0; d < D; d++) spread[d] = (spread[d] as number) + ((it.codes[d] as number) - (mean[d] as number)) ** 2 / n;
  for (let d = 0; d < D; d++) spread[d] = Math.sqrt(spread[d] as number) || 1;
  return { dims: D, mean, spread, odd: mirrorSigns() };
}

/** −1 for the odd horizontal frequencies of the descriptor layout (near-kernel.mjs: (u, v) row-major by v). */
function mirrorSigns(): Float32Array {
  const freq = Math.round(Math.sqrt(D + 1));
  const out = new Float32Array(D);
  let o = 0;
  for (let v = 0; v < freq; v++) for (let u = 0; u < freq; u++) if (u || v) out[o++] = u % 2 ? -1 : 1;
  return out;
}

function buildIndex(bases: Float32Array, options: DescriptorSearchOptions): SearchIndex {
  const n = bases.length / D;
  if (options.index === 'flat-ivf' || (options.index === 'auto' && n <= options.flatMax)) return new FlatInvertedLists(bases, D, options.probes).searchIndex(options.probes);
  return new KMeansTree(bases, D, { ...defaultTreeOptions, leafTarget: options.leafSize, beam: options.beam }).searchIndex(options.treeProbes, options.beam);
}

/**
 * Candidate pairs from descriptors alone. Every image queries the index of base descriptors with each of its
 * descriptors (base and query variants) and their mirrors; each query keeps its `hitsPerQuery` nearest bases,
 * the hits that matter (`relevant`: across splits or labels) are ranked by cosine and the image keeps its best
 * `perImage` at or above `minCosine`. Candidates per image are bounded by construction, whatever the size, and
 * so is the work per query (`probes` leaves of about `leafSize` bases, found through a k-means tree). The
 * searches run on worker threads for large sets; the result does not depend on how many.
 */
export async function descriptorCandidates(items: DescriptorItem[], relevant: (a: number, b: number) => boolean, options: DescriptorSearchOptions = defaultDescriptorSearch): Promise<DescriptorCandidate[]> {
  const n = items.length;
  if (n < 2) return [];
  const whitening = whiteningOf(items);
  const bases = new Float32Array(n * D);
  for (let k = 0; k < n; k++) whitenInto(whitening, (items[k] as DescriptorItem).codes, 0, false, bases, k * D);
  const index = buildIndex(bases, options);
  const positions: number[] = [];
  for (let k = 0; k < n; k += Math.max(1, options.queryEvery ?? 1)) positions.push(k);
  const pairs = new Map<number, DescriptorCandidate>();
  const collect = (chunk: number[], hits: SearchHits): void => chunk.forEach((k, i) => keepBest(items, k, hits, i, relevant, options, pairs));
  const workers = Math.max(1, options.workers ?? availableParallelism());
  if (workers === 1 || positions.length < (options.parallelFrom ?? PARALLEL_MIN_IMAGES)) {
    const local = new ImageSearcher(index, whitening, P, options.hitsPerQuery);
    for (let first = 0; first < positions.length; first += TASK_IMAGES) {
      const chunk = positions.slice(first, first + TASK_IMAGES);
      collect(chunk, searchHere(local, items, chunk, options.hitsPerQuery));
    }
  } else {
    await searchOnWorkers(index, whitening, items, positions, options.hitsPerQuery, workers, collect);
  }
  return [...pairs.values()];
}

interface SearchHits {
  ids: Int32Array;
  scores: Float64Array;
}

function searchHere(searcher: ImageSearcher, items: DescriptorItem[], chunk: number[], hitsPerQuery: number): SearchHits {
  const stride = 2 * P * hitsPerQuery;
  const ids = new Int32Array(chunk.length * stride);
  const scores = new Float64Array(chunk.length * stride);
  chunk.forEach((k, i) => searcher.search((items[k] as DescriptorItem).codes, k, ids, scores, i * stride));
  return { ids, scores };
}

/** Tasks of TASK_IMAGES images on a pool of query workers; results are collected in image order. */
async function searchOnWorkers(index: SearchIndex, whitening: WhiteningParams, items: DescriptorItem[], positions: number[], hitsPerQuery: number, workers: number, collect: (chunk: number[], hits: SearchHits) => void): Promise<void> {
  const pool = new Piscina<{ positions: Int32Array; codes: Int8Array }, SearchHits>({
    filename: new URL('./near-query-worker.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    workerData: { index, whitening, perImage: P, hits: hitsPerQuery },
    execArgv: withoutLoaders(process.execArgv),
  });
  try {
    const chunks: number[][] = [];
    for (let first = 0; first < positions.length; first += TASK_IMAGES) chunks.push(positions.slice(first, first + TASK_IMAGES));
    const size = P * D;
    const results = chunks.map((chunk) => {
      const codes = new Int8Array(chunk.length * size);
      chunk.forEach((k, i) => codes.set((items[k] as DescriptorItem).codes.subarray(0, size), i * size));
      return pool.run({ positions: Int32Array.from(chunk), codes });
    });
    for (let c = 0; c < chunks.length; c++) collect(chunks[c] as number[], await (results[c] as Promise<SearchHits>));
  } finally {
    await pool.destroy();
  }
}

/** The image's relevant hits ranked by cosine (best per other image, over all its queries); its best perImage become pairs. */
function keepBest(items: DescriptorItem[], k: number, hits: SearchHits, at: number, relevant: (a: number, b: number) => boolean, options: DescriptorSearchOptions, pairs: Map<number, DescriptorCandidate>): void {
  const H = options.hitsPerQuery;
  const stride = 2 * P * H;
  const selfIndex = (items[k] as DescriptorItem).index;
  const bestOther: number[] = [];
  const bestCosine: number[] = [];
  const bestFlip: boolean[] = [];
  for (let q = 0; q < 2 * P; q++) {
    const flip = q >= P;
    for (let h = 0; h < H; h++) {
      const j = hits.ids[at * stride + q * H + h] as number;
      const s = hits.scores[at * stride + q * H + h] as number;
      if (j < 0 || s < options.minCosine) continue;
      const other = (items[j] as DescriptorItem).index;
      if (!relevant(selfIndex, other)) continue;
      const found = bestOther.indexOf(other);
      if (found < 0) {
        bestOther.push(other);
        bestCosine.push(s);
        bestFlip.push(flip);
      } else if (s > (bestCosine[found] as number)) {
        bestCosine[found] = s;
        bestFlip[found] = flip;
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
