import { describe, expect, it } from 'vitest';
import { withAhead, withoutAhead } from './batches.js';

async function* from<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of gen) out.push(item);
  return out;
}

describe('batches ahead', () => {
  it('pairs each batch with the ones that follow it, fewer at the end', async () => {
    expect(await collect(withAhead(from([1, 2, 3, 4]), 2))).toEqual([
      [1, [2, 3]],
      [2, [3, 4]],
      [3, [4]],
      [4, []],
    ]);
    expect(await collect(withAhead(from([1]), 2))).toEqual([[1, []]]);
    expect(await collect(withAhead(from([]), 2))).toEqual([]);
    expect(await collect(withAhead(from([1, 2]), 0))).toEqual([
      [1, []],
      [2, []],
    ]);
  });

  it('the single-thread path announces nothing ahead', async () => {
    expect(await collect(withoutAhead(from(['a', 'b'])))).toEqual([
      ['a', []],
      ['b', []],
    ]);
  });
});
