import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { runAugment, runDecode, type AugmentTask, type DecodeResult, type DecodeTask } from './data-worker-tasks.js';
import type { AugmentParams, Normalisation } from './augment.js';
import type { IntensityMode } from './intensity.js';
import { InterruptedError, LeakproofError } from '@leakproof/core';

export class ImageDecodeError extends LeakproofError {
  constructor(readonly failures: { path: string; message: string }[]) {
    super(`${failures.length} image(s) could not be decoded, e.g. ${failures[0]?.path}: ${failures[0]?.message}`, {
      code: 'image-decode',
      hint: 'run the audit (`leakproof audit`) to list broken files, then fix or remove them',
    });
  }
}

/**
 * The decoded dataset, one Uint8 slot of size² pixels per image in a SharedArrayBuffer, plus a worker pool
 * that fills it and produces normalised, augmented Float32 batches off the training thread.
 * workers = 0 runs everything inline (used by tests and tiny datasets).
 */
export class ImagePool {
  readonly cache: SharedArrayBuffer;
  readonly pixels: number;
  private readonly piscina: Piscina | null;

  constructor(
    readonly size: number,
    readonly count: number,
    workers: number,
  ) {
    this.pixels = size * size;
    this.cache = new SharedArrayBuffer(Math.max(1, count * this.pixels));
    this.piscina =
      workers > 0
        ? new Piscina({
            filename: fileURLToPath(new URL('./data-worker.mjs', import.meta.url)),
            minThreads: workers,
            maxThreads: workers,
            idleTimeout: 60_000,
          })
        : null;
  }

  get bytes(): Uint8Array {
    return new Uint8Array(this.cache);
  }

  /**
   * Decodes `paths` (relative to root) into slots 0..n-1; rejects with every failure listed. An aborted `signal`
   * drops the chunks not yet started and rejects with InterruptedError once the started ones are done.
   */
  async decodeAll(root: string, paths: readonly string[], onProgress?: (done: number) => void, intensity: IntensityMode = 'none', signal?: AbortSignal): Promise<void> {
    const chunk = 32;
    const jobs: Promise<void>[] = [];
    const failures: { path: string; slot: number; message: string }[] = [];
    let done = 0;
    for (let start = 0; start < paths.length; start += chunk) {
      const slice = paths.slice(start, start + chunk);
      const task: DecodeTask = {
        kind: 'decode',
        paths: slice.map((p) => resolve(root, p)),
        slots: slice.map((_, i) => start + i),
        size: this.size,
        cache: this.cache,
        intensity,
      };
      const run = (this.piscina ? (this.piscina.run(task, { signal }) as Promise<DecodeResult>) : runDecode(task)).then((result) => {
        result.errors.forEach((message, i) => {
          if (message !== null) failures.push({ path: slice[i]!, slot: start + i, message });
        });
        done += slice.length;
        onProgress?.(done);
      });
      jobs.push(run);
    }
    await Promise.allSettled(jobs);
    if (signal?.aborted) throw new InterruptedError('stopped while decoding the images, before the first epoch');
    await Promise.all(jobs);
    // libvips has one error buffer per process (worker threads share it): a decode that failed next to others
    // may be spurious or carry another file's message. Each failure is decoded again alone, on this thread,
    // now that nothing else decodes; only a second failure is reported, with its own message.
    const lasting: { path: string; message: string }[] = [];
    for (const f of failures.sort((a, b) => a.path.localeCompare(b.path))) {
      const again = await runDecode({ kind: 'decode', paths: [resolve(root, f.path)], slots: [f.slot], size: this.size, cache: this.cache, intensity });
      const message = again.errors[0];
      if (message !== null && message !== undefined) lasting.push({ path: f.path, message });
    }
    if (lasting.length > 0) throw new ImageDecodeError(lasting);
  }

  /** Normalised (and optionally augmented) batch as [n, size, size] floats. */
  async batch(slots: readonly number[], params: AugmentParams[] | null, norm: Normalisation): Promise<Float32Array> {
    const task: AugmentTask = { kind: 'augment', cache: this.cache, slots: [...slots], params, size: this.size, norm };
    if (!this.piscina) return runAugment(task);
    return (await this.piscina.run(task)) as Float32Array;
  }

  async close(): Promise<void> {
    await this.piscina?.destroy();
  }
}
