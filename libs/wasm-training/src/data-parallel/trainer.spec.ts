import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../wasm-backend.js';
import { maxRelDiff, randomArray, rng } from '../test-utils.js';
import { createDataParallelTrainer, shardSizes, type DataParallelTrainer } from './trainer.js';

// Batch norm statistics depend on the shard, so exact equivalence is checked on cnn4 (no BN).
const spec = { kind: 'factory', name: 'cnn4', options: { inputSize: 24, channels: 1, widthMultiplier: 0.5, dropoutRate: 0, seed: 5 } } as const;

describe('data-parallel trainer', () => {
  const open: DataParallelTrainer[] = [];
  afterAll(async () => {
    await Promise.all(open.map((t) => t.dispose()));
  });

  it('shards batches evenly', () => {
    expect(shardSizes(10, 3)).toEqual([4, 3, 3]);
    expect(shardSizes(1, 2)).toEqual([1]);
  });

  it('2 workers give the single-worker gradients and the same weights after Adam steps', async () => {
    await useWasmBackend();
    const single = await createDataParallelTrainer({ model: spec, workers: 0, lossSpec: { classWeights: [1, 2] } });
    const multi = await createDataParallelTrainer({ model: spec, workers: 2, lossSpec: { classWeights: [1, 2] }, initialWeights: single.getWeights() });
    open.push(single, multi);
    const n = 6;
    const x = randomArray(rng(9), n * 24 * 24);
    const y = new Float32Array([0, 1, 1, 0, 1, 0]);
    const sw = new Float32Array([1, 0.5, 1, 2, 1, 1]);
    const a = await single.gradients(x, y, n, sw);
    const b = await multi.gradients(x, y, n, sw);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    a.grads.forEach((g, i) => expect(maxRelDiff(b.grads[i]!, g), `grad ${i}`).toBeLessThan(1e-4));
    for (let s = 0; s < 3; s++) {
      const lr = 1e-3 * (s + 1);
      const la = await single.step(x, y, n, { learningRate: lr, beta1: 0.9 - 0.02 * s });
      const lb = await multi.step(x, y, n, { learningRate: lr, beta1: 0.9 - 0.02 * s });
      expect(Math.abs(la.loss - lb.loss)).toBeLessThan(1e-4);
    }
    const wa = single.getWeights();
    const wb = multi.getWeights();
    wa.forEach((w, i) => expect(maxRelDiff(wb[i]!, w), `weight ${i}`).toBeLessThan(1e-4));
    expect(multi.getHyper().learningRate).toBeCloseTo(3e-3);
  }, 30_000);

  it('keeps tensor count stable over many in-thread steps', async () => {
    const t = open[0]!;
    const x = randomArray(rng(2), 4 * 24 * 24);
    const y = new Float32Array([0, 1, 0, 1]);
    await t.step(x, y, 4);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 8; i++) await t.step(x, y, 4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a malformed batch with a message naming the mismatch', async () => {
    const t = open[0]!;
    await expect(t.step(new Float32Array(10), new Float32Array(3), 3)).rejects.toThrow(/batch mismatch/);
  });
});
