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
 * Runs view comparisons on plain-JS worker threads (the image work of verification stays off this thread),
 * or on this thread when one worker is asked for, there is little to verify, or the pool cannot start.
 * Scores are clamped at 0: a negative correlation is "not the same image", and negative numbers are left to
 * mean "could not be verified" where scores travel as plain numbers (the distributed audit).
 */
export class ViewComparer {
  private readonly pool: Piscina<{ a: Uint8Array; b: Uint8Array; options: CompareOptions }, number> | undefined;
  private broken = false;
  readonly concurrency: number;

  constructor(workers: number, pairs: number) {
    this.concurrency = workers > 1 && pairs >= 16 ? workers * 4 : 1;
    if (this.concurrency > 1) {
      this.pool = new Piscina({ filename: new URL('./verify-worker.mjs', import.meta.url).href, minThreads: workers, maxThreads: workers, idleTimeout: 1_000, execArgv: withoutLoaders(process.execArgv) });
    }
  }

  async compare(a: Uint8Array, b: Uint8Array, options: CompareOptions): Promise<number> {
    if (!this.pool || this.broken) return Math.max(0, compareViews(a, b, options));
    try {
      return Math.max(0, await this.pool.run({ a, b, options }));
    } catch {
      // a pool that cannot start (or a dead worker) must not fail the audit: compare here instead
      this.broken = true;
      return Math.max(0, compareViews(a, b, options));
    }
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
  }
}
