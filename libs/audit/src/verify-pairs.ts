import type { Thumb } from './verify.js';

/** A verified pair's score, or why it could not be verified (never cached, reported as `unverified`). */
export type PairOutcome = { ok: true; score: number } | { ok: false; reason: string };

export interface PairToVerify {
  a: number;
  b: number;
}

export interface VerifyPairsOptions<P extends PairToVerify> {
  /** loads the comparison view of one image; a rejection (whose message names the file) is retried once, alone, before it counts */
  load: (index: number) => Promise<Thumb>;
  /** the verifier proper: a pure function of the two views (and the candidate's hints) */
  compare: (a: Thumb, b: Thumb, pair: P) => number | Promise<number>;
  /** loads in flight at once (default 8) */
  concurrency?: number;
  onDone?: (done: number, total: number) => void;
}

/**
 * Verification stage: loads each image that takes part in a candidate pair once, several at a time, then
 * retries every failed load once, serially, when nothing else is decoding (libvips has one error buffer per
 * process, so a decode that fails next to others can be a spurious or mislabelled failure). A pair with an
 * image that still cannot be loaded is `{ ok: false, reason }`: the caller reports it, it is not a pass.
 */
export async function verifyPairs<P extends PairToVerify>(pairs: P[], options: VerifyPairsOptions<P>): Promise<PairOutcome[]> {
  const needed = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const views = new Map<number, Thumb>();
  const failures = new Map<number, string>();
  const tryLoad = async (i: number): Promise<void> => {
    try {
      views.set(i, await options.load(i));
      failures.delete(i);
    } catch (error) {
      failures.set(i, error instanceof Error ? error.message : String(error));
    }
  };
  await runLimited(needed, options.concurrency ?? 8, tryLoad);
  for (const i of [...failures.keys()].sort((x, y) => x - y)) await tryLoad(i);

  const out: PairOutcome[] = [];
  let done = 0;
  for (const pair of pairs) {
    const [va, vb] = [views.get(pair.a), views.get(pair.b)];
    if (!va || !vb) {
      const reason = [pair.a, pair.b].filter((i) => failures.has(i)).map((i) => failures.get(i)).join('; ');
      out.push({ ok: false, reason: reason || 'comparison view missing' });
    } else {
      try {
        const score = await options.compare(va, vb, pair);
        out.push(Number.isFinite(score) ? { ok: true, score } : { ok: false, reason: `the comparison gave ${score}` });
      } catch (error) {
        out.push({ ok: false, reason: `the comparison failed: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    options.onDone?.(++done, pairs.length);
  }
  return out;
}

export async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(lanes);
}
