import { describe, expect, it } from 'vitest';
import { mapLimited } from './concurrency.js';
import { mulberry32, shuffled, shuffleInPlace } from './random.js';

describe('seeded randomness', () => {
  it('gives the published mulberry32 stream for a seed', () => {
    const random = mulberry32(1);
    // first values of mulberry32(1), as every copy this replaced produced them
    expect([random(), random(), random()].map((x) => x.toFixed(10))).toEqual(['0.6270739406', '0.0027357212', '0.5274470400']);
  });

  it('shuffles reproducibly, as a permutation, leaving the input of shuffled() alone', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const a = shuffled(items, mulberry32(7));
    expect(shuffled(items, mulberry32(7))).toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(a).not.toEqual(items);
    const copy = [...items];
    expect(shuffleInPlace(copy, mulberry32(7))).toBe(copy);
    expect(copy).toEqual(a);
  });
});

describe('mapLimited', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((done) => setTimeout(done, n));
      running--;
      return n * 10 + i;
    });
    expect(out).toEqual([50, 11, 42, 23, 34]);
    expect(peak).toBe(2);
    expect(await mapLimited([], 4, async () => 1)).toEqual([]);
  });

  it('starts nothing new after a failure and rejects with it', async () => {
    const started: number[] = [];
    await expect(
      mapLimited([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        if (n === 1) throw new Error('broken');
        await new Promise((done) => setTimeout(done, 5));
      }),
    ).rejects.toThrow('broken');
    expect(started.length).toBeLessThan(6);
  });
});
