import { mapLimited } from '@leakproof/core';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { decodeGray, type DecodeOptions, type GrayImage } from '@leakproof/ingest';
import { CROP_VARIANTS, decodeFailure, hashDecoded, type HashOutcome } from './image-hash.js';

/**
 * Where each decoded image is hashed. In a batch of at least POOL_MIN_FILES files every image goes to the
 * plain-JS worker pool, so this thread only dispatches decodes and the record's JS (pixel hash, blockhashes,
 * canonical view, 13 descriptors: ~0.7 CPU ms per 224² image against ~1.7 ms of decoding) runs beside sharp's
 * decode threads. Measured on the 5,216 real train images (bench/audit.ts, "hash stage variants", 2 cores under
 * load 7–16): all on the pool 21.8 / 20.7 s, all on this thread 22.4 / 22.4 s (CPU per image 3.6 vs 2.9 and 2.95 vs
 * 2.86: the pixels are cloned to the worker). Smaller batches hash on this thread below POOL_MIN_PIXELS: starting
 * the pool (~100 ms) costs more than it saves, except for large images (a 2048² image takes ~40 ms of JS).
 */
export const POOL_MIN_PIXELS = 1_000_000;
export const POOL_MIN_FILES = 64;

export interface HashFilesOptions {
  /** threads that hash large images (default: one per core); 1 hashes everything on this thread */
  workers?: number;
  maxPixels?: number;
  onDone?: (done: number) => void;
  /** images from this many pixels go to the worker pool (default: 0 for POOL_MIN_FILES files or more, else POOL_MIN_PIXELS) */
  poolMinPixels?: number;
  /**
   * hash on this thread if the pool fails to start (default true). false is the strict mode for tests and
   * diagnostics: every image goes to the pool and a pool failure is thrown.
   */
  fallback?: boolean;
  /** the decoder (default decodeGray); injectable so tests can make decodes fail */
  decode?: (path: string, options: DecodeOptions) => Promise<GrayImage>;
  /** what to keep of each outcome as it arrives (e.g. the record with its view moved out of the heap); default all */
  keep?: (outcome: HashOutcome, index: number) => HashOutcome;
}

interface WorkerTask {
  image: GrayImage;
  cropVariants: number[];
}

/**
 * Decodes files with sharp, several in flight so sharp's libuv threads use every core, and hashes each decoded
 * image (pixel SHA-256, blockhashes, near-duplicate record) on a pool of plain-JS worker threads — every image
 * of a batch of POOL_MIN_FILES or more, large images always — or on this thread. Results come back in input
 * order; undecodable files become `{ ok: false }` outcomes.
 */
export async function hashFiles(paths: string[], options: HashFilesOptions = {}): Promise<HashOutcome[]> {
  if (paths.length === 0) return [];
  const workers = Math.max(1, options.workers ?? availableParallelism());
  const strict = options.fallback === false;
  const minPixels = strict ? 0 : (options.poolMinPixels ?? (paths.length >= POOL_MIN_FILES ? 0 : POOL_MIN_PIXELS));
  let pool: Piscina<WorkerTask, HashOutcome> | undefined;
  let poolBroken = false;
  const hash = async (image: GrayImage): Promise<HashOutcome> => {
    if (workers === 1 || poolBroken || image.width * image.height < minPixels) return hashDecoded(image);
    pool ??= new Piscina<WorkerTask, HashOutcome>({
      filename: new URL('./hash-worker.mjs', import.meta.url).href,
      minThreads: 1,
      maxThreads: workers,
      idleTimeout: 1_000,
      execArgv: withoutLoaders(process.execArgv),
    });
    try {
      return await pool.run({ image, cropVariants: [...CROP_VARIANTS] });
    } catch (error) {
      if (strict) throw error;
      poolBroken = true;
      return hashDecoded(image);
    }
  };
  try {
    return await decodeAndHash(paths, options, hash);
  } finally {
    await pool?.destroy();
  }
}

/**
 * The worker is plain JavaScript: a TypeScript loader inherited from the parent (`--import tsx`) would only
 * add its start-up (hundreds of ms per thread) to every worker. Other flags (memory limits, profiling) stay.
 */
export function withoutLoaders(execArgv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (/^--(import|loader|experimental-loader|require)$/.test(arg) || arg === '-r') i++;
    else if (!/^--(import|loader|experimental-loader|require)=/.test(arg)) out.push(arg);
  }
  return out;
}

async function decodeAndHash(paths: string[], options: HashFilesOptions, hash: (image: GrayImage) => Promise<HashOutcome>): Promise<HashOutcome[]> {
  const out: HashOutcome[] = new Array(paths.length);
  const decodeOptions = options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels };
  const decode = options.decode ?? decodeGray;
  const keep = options.keep ?? ((outcome: HashOutcome) => outcome);
  let done = 0;
  const failedDecodes: number[] = [];
  // Each lane holds one image (decoding, or hashing): enough lanes keep sharp's decode threads and the hash
  // workers busy at once, and memory stays bounded by the lane count whatever the image sizes. A failing
  // hash worker stops the pool (mapLimited starts nothing after a failure).
  await mapLimited(paths, Math.max(4, 2 * availableParallelism()), async (path, i) => {
    let image: GrayImage;
    try {
      image = await decode(path, decodeOptions);
    } catch {
      failedDecodes.push(i);
      return;
    }
    out[i] = keep(await hash(image), i);
    options.onDone?.(++done);
  });
  // libvips keeps one error buffer per process: a decode that fails while others run can report another's
  // message or "Unknown error" (a truncated JPEG then reads as 'unreadable'). Failures are rare, so each is
  // decoded again alone, which gives its own error (or, if the failure was spurious, its hashes).
  for (const i of failedDecodes.sort((a, b) => a - b)) {
    let image: GrayImage | undefined;
    try {
      image = await decode(paths[i] as string, decodeOptions);
    } catch (error) {
      out[i] = keep(decodeFailure(error), i);
    }
    if (image) out[i] = keep(await hash(image), i);
    options.onDone?.(++done);
  }
  return out;
}
