// Hash worker: plain JavaScript importing only node:crypto (through the kernel), so a thread starts in
// milliseconds under any loader (tsx in the CLI, Vite in Vitest) instead of seconds registering tsx.
// Decoding stays on the main thread, where sharp runs on its own libuv threads; a worker gets one large
// decoded gray image and returns its hashes.
import { hashGray } from './hash-worker-kernel.mjs';

/** @param {{ image: { data: Uint8Array, width: number, height: number }, cropVariants: number[] }} task */
export default function hashOne(task) {
  return { ok: true, ...hashGray(task.image, task.cropVariants) };
}
