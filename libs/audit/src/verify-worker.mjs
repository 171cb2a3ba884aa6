// Verification worker: plain JavaScript importing only the near-duplicate kernel, so a thread starts in
// milliseconds under any loader. It gets a batch of pairs (unique canonical views packed back to back, pairs
// as view indices) and the search settings, and returns their scores in pair order.
import { compareViews, VIEW_SIZE } from './near-kernel.mjs';

/** @param {{ views: Uint8Array, pairs: Int32Array, options: object }} task */
export default function verifyBatch(task) {
  const size = VIEW_SIZE * VIEW_SIZE;
  const view = (slot) => task.views.subarray(slot * size, (slot + 1) * size);
  const scores = new Float64Array(task.pairs.length / 2);
  for (let k = 0; k < scores.length; k++) scores[k] = compareViews(view(task.pairs[2 * k]), view(task.pairs[2 * k + 1]), task.options);
  return scores;
}
