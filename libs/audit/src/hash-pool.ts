import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { hashImageFile, type HashOutcome } from './image-hash.js';
import type { HashTask } from './hash-worker.js';

const BATCH = 16;
/** Starting the workers (tsx + sharp in each) costs seconds; below this many files one thread is faster. */
export const POOL_MIN_FILES = 1000;

/**
 * Decodes and hashes files on a pool of worker threads (one per core). Results come back in input order.
 * If the pool cannot start (no tsx loader available, for example), hashing runs in this thread instead.
 */
export async function hashFiles(
  paths: string[],
  options: { workers?: number; maxPixels?: number; onDone?: (done: number) => void; /** hash in this thread if the pool fails to start (default true) */ fallback?: boolean } = {},
): Promise<HashOutcome[]> {
  const workers = Math.max(1, options.workers ?? availableParallelism());
  if (paths.length === 0) return [];
  if (workers === 1 || (paths.length < POOL_MIN_FILES && options.fallback !== false)) return hashInThread(paths, options);
  const pool = new Piscina<HashTask, HashOutcome[]>({
    filename: new URL('./hash-worker.mjs', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 1_000,
  });
  try {
    const out: HashOutcome[] = new Array(paths.length);
    let done = 0;
    const tasks: Promise<void>[] = [];
    for (let start = 0; start < paths.length; start += BATCH) {
      const batch = paths.slice(start, start + BATCH);
      const task: HashTask = options.maxPixels === undefined ? { paths: batch } : { paths: batch, maxPixels: options.maxPixels };
      tasks.push(
        pool.run(task).then((results) => {
          results.forEach((r, k) => (out[start + k] = r));
          done += batch.length;
          options.onDone?.(done);
        }),
      );
    }
    await Promise.all(tasks);
    return out;
  } catch (error) {
    if (options.fallback === false || !/worker|loader|tsx|Cannot find|ERR_/i.test(String(error))) throw error;
    return hashInThread(paths, options);
  } finally {
    await pool.destroy();
  }
}

async function hashInThread(paths: string[], options: { maxPixels?: number; onDone?: (done: number) => void }): Promise<HashOutcome[]> {
  // a few files in flight: sharp decodes on libuv threads while this thread runs blockhash
  const out: HashOutcome[] = new Array(paths.length);
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await hashImageFile(paths[i] as string, options.maxPixels);
      options.onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, paths.length) }, lane));
  return out;
}
