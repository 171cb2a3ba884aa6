// Verification worker: plain JavaScript importing only the near-duplicate kernel, so a thread starts in
// milliseconds under any loader. It gets two canonical views and the search settings, returns the score.
import { compareViews } from './near-kernel.mjs';

/** @param {{ a: Uint8Array, b: Uint8Array, options: object }} task */
export default function verifyOne(task) {
  return compareViews(task.a, task.b, task.options);
}
