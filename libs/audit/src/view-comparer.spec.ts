import { describe, expect, it } from 'vitest';
import { summedArea } from './hash-worker-kernel.mjs';
import { canonicalView, compareViews } from './near-kernel.mjs';
import { parsePolicy } from './policy.js';
import { fakeRadiograph } from './test-images.js';
import { COMPARE_BATCH, compareOptions, ViewComparer } from './view-comparer.js';

function view(seed: number): Uint8Array {
  const image = { data: new Uint8Array(fakeRadiograph(seed, 96)), width: 96, height: 96 };
  return canonicalView(image, summedArea(image));
}

describe('ViewComparer', () => {
  it('scores batched pairs on worker threads exactly as compareViews does here, in the order asked', async () => {
    const views = Array.from({ length: 12 }, (_, i) => view(i + 1));
    // more pairs than one batch, views shared between pairs, a view compared with itself
    const pairs = Array.from({ length: COMPARE_BATCH + 21 }, (_, k) => [k % 12, (k * 5 + 1) % 12] as const);
    const options = compareOptions(parsePolicy({}));
    const comparer = new ViewComparer(2, pairs.length);
    try {
      const scores = await Promise.all(pairs.map(([a, b]) => comparer.compare(views[a] as Uint8Array, views[b] as Uint8Array, options)));
      expect(scores).toEqual(pairs.map(([a, b]) => Math.max(0, compareViews(views[a] as Uint8Array, views[b] as Uint8Array, options))));
    } finally {
      await comparer.close();
    }
  });

  it('compares on this thread when one worker is asked for', async () => {
    const comparer = new ViewComparer(1, 100);
    expect(comparer.concurrency).toBe(1);
    const a = view(1);
    expect(await comparer.compare(a, a, compareOptions(parsePolicy({})))).toBeGreaterThan(0.999);
    await comparer.close();
  });
});
