
/** A verified pair's score, or why it could not be verified (never cached, reported as `unverified`). */
export type PairOutcome = { ok: true; score: number } | { ok: false; reason: string };

export interface PairToVerify {
  a: number;
  b: number;
}

export interface VerifyPairsOptions<P extends PairToVerify, V> {
  /** loads the comparison view of one image; a rejection (whose message names the file) is retried once, alone, before it counts */
  load: (index: number) => Promise<V>;
  /** the verifier proper: a pure function of the two views (and the candidate's hints) */
  compare: (a: V, b: V, pair: P) => number | Promise<number>;
  /** loads in flight at once (default 8) */
  concurrency?: number;
  /** comparisons in flight at once (default 1; more when `compare` hands work to worker threads) */
  compareConcurrency?: number;
  onDone?: (done: number, total: number) => void;
  /** pairs whose views are held at once (default 8,192: at most ~16,000 views of 4 KB) */
  chunk?: number;
}

/**
 * Verification stage, in chunks of `chunk` pairs so memory holds at most the views of one chunk: loads each
 * image that takes part in the chunk's pairs once, several at a time, then retries every failed load once,
 * serially, when nothing else is decoding (libvips has one error buffer per process, so a decode that fails next
 * to others can be a spurious or mislabelled failure). A pair with an image that still cannot be loaded is
 * `{ ok: false, reason }`: the caller reports it, it is not a pass.
 */
export async function verifyPairs<P extends PairToVerify, V>(pairs: P[], options: VerifyPairsOptions<P, V>): Promise<PairOutcome[]> {
  const out: PairOutcome[] = new Array(pairs.length);
  const chunk = Math.max(1, options.chunk ?? 8192);
  let done = 0;
  for (let first = 0; first < pairs.length; first += chunk) {
    const indices = Array.from({ length: Math.min(chunk, pairs.length - first) }, (_, k) => first + k);
    const { views, failures } = await loadViews(indices.map((k) => pairs[k] as P), options);
    const verifyOne = async (k: number): Promise<void> => {
      out[k] = await verifyOnePair(pairs[k] as P, views, failures, options);
      options.onDone?.(++done, pairs.length);
    };
    await runLimited(indices, options.compareConcurrency ?? 1, verifyOne);
  }
  return out;
}

async function loadViews<P extends PairToVerify, V>(pairs: P[], options: VerifyPairsOptions<P, V>): Promise<{ views: Map<number, V>; failures: Map<number, string> }> {
  const needed = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const views = new Map<number, V>();
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
  return { views, failures };
}

async function verifyOnePair<P extends PairToVerify, V>(pair: P, views: Map<number, V>, failures: Map<number, string>, options: VerifyPairsOptions<P, V>): Promise<PairOutcome> {
  if (!views.has(pair.a) || !views.has(pair.b)) {
    const reason = [pair.a, pair.b].filter((i) => failures.has(i)).map((i) => failures.get(i)).join('; ');
    return { ok: false, reason: reason || 'comparison view missing' };
  }
  try {
    const score = await options.compare(views.get(pair.a) as V, views.get(pair.b) as V, pair);
    return Number.isFinite(score) ? { ok: true, score } : { ok: false, reason: `the comparison gave ${score}` };
  } catch (error) {
    return { ok: false, reason: `the comparison failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(lanes);
}
