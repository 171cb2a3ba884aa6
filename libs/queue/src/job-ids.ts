import { createHash } from 'node:crypto';

/**
 * A job id derived from what the job does (queue, dataset root, settings and the contents it covers): two
 * coordinators auditing the same data enqueue the same ids, pg-boss keeps the first (insert … on conflict do
 * nothing), so the work is shared, not doubled; a restarted coordinator finds its finished jobs.
 */
export function deterministicJobId(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  const hex = h.digest('hex');
  // shaped as a version-8 (custom) UUID, which pg-boss's uuid column accepts
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
