import { describe, expect, it } from 'vitest';
import { parseTrainConfig } from '../config.js';
import { augmentInto, drawAugmentParams } from '../data/augment.js';
import { Rng } from '../rng.js';
import { createSharedInputBuffers, SharedInputs, type InputPlan } from './shared-inputs.js';

const size = 12;
const pixels = size * size;
const norm = { mean: 0.4, std: 0.3 };

function fixture(images: number) {
  const rng = Rng.fromSeed(3, 'shared-inputs-spec');
  const cache = new SharedArrayBuffer(images * pixels);
  new Uint8Array(cache).forEach((_, i, bytes) => (bytes[i] = Math.floor(rng.next() * 256)));
  // gamma, blur, noise and erase on: every path of augmentInto
  const augmentation = { ...parseTrainConfig({}).augmentation, gamma: 0.3, blur: 1.5, noise: 0.05, erase: 0.5 };
  const plan = (buffer: number, slots: number[]): Omit<InputPlan, 'generation'> => ({ buffer, slots, params: slots.map(() => drawAugmentParams(rng, augmentation, size)) });
  return { cache, plan };
}

/** What the old per-shard path computed: each image augmented into a private array. */
function reference(cache: SharedArrayBuffer, plan: Omit<InputPlan, 'generation'>): Float32Array {
  const out = new Float32Array(plan.slots.length * pixels);
  plan.slots.forEach((slot, i) => augmentInto(new Uint8Array(cache), slot * pixels, size, plan.params[i]!, norm, out, i * pixels));
  return out;
}

describe('shared inputs', () => {
  it('two claimers augment each image once, and the buffer equals augmentInto image by image', () => {
    const { cache, plan } = fixture(10);
    const buffers = createSharedInputBuffers(8, size);
    // two views of the same shared memory stand in for two threads
    const a = new SharedInputs(buffers, cache, size, norm);
    const b = new SharedInputs(buffers, cache, size, norm);
    const batch = a.open(plan(1, [9, 2, 2, 5, 0, 7, 3]));
    expect(a.ready(batch, 0, 7)).toBe(false);
    let byA = 0;
    let byB = 0;
    while (true) {
      const gotA = a.augmentOne(batch);
      const gotB = b.augmentOne(batch);
      byA += Number(gotA);
      byB += Number(gotB);
      if (!gotA && !gotB) break;
    }
    expect([byA, byB]).toEqual([4, 3]);
    expect(b.ready(batch, 0, 7)).toBe(true);
    expect(b.wait(batch, 0, 7, 1)).toBe(true);
    expect(Array.from(b.view(batch, 2, 5))).toEqual(Array.from(reference(cache, batch).subarray(2 * pixels, 5 * pixels)));
  });

  it('the buffers are independent, and reopening makes a buffer claimable again', () => {
    const { cache, plan } = fixture(6);
    const inputs = new SharedInputs(createSharedInputBuffers(4, size), cache, size, norm);
    const first = inputs.open(plan(0, [0, 1, 2, 3]));
    const second = inputs.open(plan(1, [5, 4, 3]));
    inputs.augmentRest(second);
    expect(inputs.ready(second, 0, 3)).toBe(true);
    expect(inputs.ready(first, 0, 1)).toBe(false);
    expect(inputs.wait(first, 0, 1, 1)).toBe(false);
    inputs.augmentRest(first);
    expect(Array.from(inputs.view(first, 0, 4))).toEqual(Array.from(reference(cache, first)));
    expect(Array.from(inputs.view(second, 0, 3))).toEqual(Array.from(reference(cache, second)));
    expect(() => inputs.open(plan(1, [0, 1, 2, 3, 4]))).toThrow(/does not fit/);
    expect(() => inputs.open(plan(3, [0]))).toThrow(/buffer 3 does not exist/);
    const last = inputs.open(plan(2, [1, 0]));
    inputs.augmentRest(last);
    expect(Array.from(inputs.view(last, 0, 2))).toEqual(Array.from(reference(cache, last)));
    expect(Array.from(inputs.view(second, 0, 3))).toEqual(Array.from(reference(cache, second)));
    const third = inputs.open(plan(0, [2, 2]));
    expect(inputs.ready(third, 0, 2)).toBe(false);
    inputs.augmentRest(third);
    expect(Array.from(inputs.view(third, 0, 2))).toEqual(Array.from(reference(cache, third)));
  });

  it('a plan of an earlier opening claims nothing from the reopened buffer (a worker still running a stale task)', () => {
    const { cache, plan } = fixture(6);
    const inputs = new SharedInputs(createSharedInputBuffers(4, size), cache, size, norm);
    const stale = inputs.open(plan(0, [0, 1, 2]));
    inputs.augmentOne(stale);
    const fresh = inputs.open(plan(0, [5, 4]));
    expect(inputs.augmentOne(stale)).toBe(false);
    expect(inputs.ready(fresh, 0, 1)).toBe(false);
    inputs.augmentRest(fresh);
    expect(Array.from(inputs.view(fresh, 0, 2))).toEqual(Array.from(reference(cache, fresh)));
    expect(inputs.augmentOne(stale)).toBe(false);
  });
});
