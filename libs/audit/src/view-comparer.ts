import { Piscina } from 'piscina';
import { withoutLoaders } from './hash-pool.js';
import { compareViews, VIEW_SIZE } from './near-kernel.mjs';
import type { Policy } from './policy.js';

export type CompareOptions = NonNullable<Parameters<typeof compareViews>[2]>;

/**
 * The view comparison the policy asks for. Where its coarse levels give up: measured on real radiographs
 * (README), edited copies reach ≥ 0.97 already on 16×16 (different children: median 0.93), so a pair below
 * threshold − 0.03 there — most different children — costs one cheap level instead of three. Both mirrors are
 * always tried: chest radiographs are nearly symmetric, so the mirror the descriptors preferred is no hint.
 */
export function compareOptions(policy: Policy): CompareOptions {
  const threshold = policy.near.minSimilarity;
  return {
    search: { maxStretch: policy.near.maxScale, maxShift: policy.near.maxShift, maxRotation: (policy.near.maxRotation * Math.PI) / 180 },
    earlyReject: threshold - 0.03,
    coarseReject: threshold - 0.04,
  };
}

/** Everything a stored score depends on besides the two images (the early rejects depend on the threshold). */
export function compareSettings(policy: Policy): string {
  return `${VIEW_SIZE}/${policy.near.maxScale}/${policy.near.maxShift}/${policy.near.maxRotation}/${policy.near.minSimilarity}`;
}

/**
 * Pairs per worker task. A comparison costs ~0.5 ms; one message per pair (two views cloned, a promise, a
 * worker wake-up) added a tenth of that on both ends, so pairs travel in batches with each view packed once.
 */
export const COMPARE_BATCH = 64;

/** One worker task: unique views packed back to back, and the pairs as indices into them. */
export interface CompareBatch {
  views: Uint8Array;
  pairs: Int32Array;
  options: CompareOptions;
}

interface Waiting {
  a: Uint8Array;
  b: Uint8Array;
  resolve: (score: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs view comparisons on plain-JS worker threads (the image work of verification stays off this thread),
 * or on this thread when one worker is asked for, there is little to verify, or the pool cannot start.
 * Comparisons asked for in the same turn of the event loop go to a worker together (COMPARE_BATCH at most).
 * Scores are clamped at 0: a negative correlation is "not the same image", and negative numbers are left to
 * mean "could not be verified" where scores travel as plain numbers (the distributed audit).
 */
export class ViewComparer {
  private readonly pool: Piscina<CompareBatch, Float64Array> | undefined;
  private broken = false;
  private waiting: Waiting[] = [];
  private waitingOptions: CompareOptions | undefined;
  private flushScheduled = false;
  /** comparisons worth having in flight at once (callers run this many `compare` calls concurrently) */
  readonly concurrency: number;

  constructor(workers: number, pairs: number) {
    this.concurrency = workers > 1 && pairs >= 16 ? workers * COMPARE_BATCH * 2 : 1;
    if (this.concurrency > 1) {
      this.pool = new Piscina({ filename: new URL('./verify-worker.mjs', import.meta.url).href, minThreads: workers, maxThreads: workers, idleTimeout: 1_000, execArgv: withoutLoaders(process.execArgv) });
    }
  }

  compare(a: Uint8Array, b: Uint8Array, options: CompareOptions): Promise<number> {
    const size = VIEW_SIZE * VIEW_SIZE;
    if (!this.pool || this.broken || a.length !== size || b.length !== size) return Promise.resolve(Math.max(0, compareViews(a, b, options)));
    if (this.waitingOptions !== undefined && this.waitingOptions !== options) this.flush();
    return new Promise((resolve, reject) => {
      this.waiting.push({ a, b, resolve, reject });
      this.waitingOptions = options;
      if (this.waiting.length >= COMPARE_BATCH) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.waiting;
    const options = this.waitingOptions as CompareOptions;
    this.waiting = [];
    this.waitingOptions = undefined;
    if (batch.length === 0) return;
    void this.runBatch(batch, options);
  }

  private async runBatch(batch: Waiting[], options: CompareOptions): Promise<void> {
    const slots = new Map<Uint8Array, number>();
    const slotOf = (view: Uint8Array): number => {
      let slot = slots.get(view);
      if (slot === undefined) slots.set(view, (slot = slots.size));
      return slot;
    };
    const pairs = new Int32Array(2 * batch.length);
    batch.forEach((w, k) => {
      pairs[2 * k] = slotOf(w.a);
      pairs[2 * k + 1] = slotOf(w.b);
    });
    const size = VIEW_SIZE * VIEW_SIZE;
    const views = new Uint8Array(slots.size * size);
    for (const [view, slot] of slots) views.set(view, slot * size);
    let scores: Float64Array | undefined;
    if (!this.broken) {
      try {
        scores = await (this.pool as Piscina<CompareBatch, Float64Array>).run({ views, pairs, options }, { transferList: [views.buffer, pairs.buffer] });
      } catch {
        // a pool that cannot start (or a dead worker) must not fail the audit: compare here instead
        this.broken = true;
      }
    }
    batch.forEach((w, k) => {
      try {
        w.resolve(Math.max(0, scores ? (scores[k] as number) : compareViews(w.a, w.b, options)));
      } catch (error) {
        w.reject(error);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
