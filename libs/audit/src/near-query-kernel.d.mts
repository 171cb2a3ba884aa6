export function insertTopK(scores: Float64Array, ids: Int32Array, score: number, id: number): void;
export function dotRows(matrix: Float32Array, first: number, count: number, dims: number, query: Float32Array, queryOffset: number, out: Float64Array): void;
export class Scratch {
  dotsOf(count: number): Float64Array;
}
export interface FlatListsIndex {
  kind: 'flat';
  dims: number;
  leafIds: Int32Array;
  leafVectors: Float32Array;
  centroids: Float32Array;
  count: number;
  /** list c holds rows starts[c] .. starts[c + 1] − 1 */
  starts: Int32Array;
  probes: number;
}
export interface TreeIndex {
  kind: 'tree';
  dims: number;
  leafIds: Int32Array;
  leafVectors: Float32Array;
  /** children of slot i are slots childStart[i] .. childStart[i + 1] − 1 */
  childStart: Int32Array;
  isLeaf: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** centroid of slot i at i·dims */
  centroids: Float32Array;
  probes: number;
  beam: number;
}
export type SearchIndex = FlatListsIndex | TreeIndex;
export interface WhiteningParams {
  dims: number;
  mean: Float64Array;
  spread: Float64Array;
  odd: Float32Array;
}
export function probeFlat(flat: FlatListsIndex, query: Float32Array, offset: number, probes: number, scratch: Scratch, visit: (start: number, end: number) => void): void;
export function probeTree(tree: Omit<TreeIndex, 'kind' | 'probes' | 'beam' | 'leafIds' | 'leafVectors'>, query: Float32Array, offset: number, probes: number, beam: number, scratch: Scratch, visit: (start: number, end: number) => void): void;
export function whitenInto(whitening: WhiteningParams, codes: Int8Array, v: number, mirror: boolean, out: Float32Array, offset: number): void;
export class ImageSearcher {
  constructor(index: SearchIndex, whitening: WhiteningParams, perImage: number, hits: number);
  search(codes: Int8Array, self: number, outIds: Int32Array, outScores: Float64Array, outOffset: number): void;
}
