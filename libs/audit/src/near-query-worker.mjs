// Candidate-stage worker: plain JavaScript importing only the query kernel, so a thread starts in milliseconds
// under any loader. workerData holds the index and the whitening (copied once per thread); a task is a run of
// images (their positions and codes) and returns every query's hits, as ImageSearcher.search writes them.
import { workerData } from 'node:worker_threads';
import { ImageSearcher } from './near-query-kernel.mjs';

const { index, whitening, perImage, hits } = workerData;
const searcher = new ImageSearcher(index, whitening, perImage, hits);
const stride = 2 * perImage * hits;

/** @param {{ positions: Int32Array, codes: Int8Array }} task */
export default function searchImages(task) {
  const count = task.positions.length;
  const codeSize = perImage * index.dims;
  const ids = new Int32Array(count * stride);
  const scores = new Float64Array(count * stride);
  for (let i = 0; i < count; i++) searcher.search(task.codes.subarray(i * codeSize, (i + 1) * codeSize), task.positions[i], ids, scores, i * stride);
  return { ids, scores };
}
