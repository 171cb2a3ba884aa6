import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxRelDiff, randomArray, rng } from '../test-utils.js';
import { useWasmBackend } from '../wasm-backend.js';
import { fusedAdamWUpdate } from './fused-adamw.js';

/** The same AdamW step written with tfjs ops (the path every other backend takes). */
function referenceStep(w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, h: { lr: number; beta1: number; beta2: number; eps: number; debias1: number; debias2: number; decay: number }) {
  return tf.tidy(() => {
    const nextM = m.mul(h.beta1).add(g.mul(1 - h.beta1));
    const nextV = v.mul(h.beta2).add(g.square().mul(1 - h.beta2));
    const update = nextM.div(h.debias1).div(nextV.div(h.debias2).sqrt().add(h.eps));
    return [w.mul(1 - h.lr * h.decay).sub(update.mul(h.lr)), nextM, nextV].map((t) => t.dataSync() as Float32Array);
  });
}

describe('fusedAdamWUpdate', () => {
  it('matches the tfjs-ops AdamW step and leaves a conv filter that the next conv really uses', async () => {
    await useWasmBackend();
    const next = rng(3);
    const shape = [3, 3, 4, 5];
    const size = 3 * 3 * 4 * 5;
    const w0 = randomArray(next, size);
    const m0 = randomArray(next, size, -0.1, 0.1);
    const v0 = randomArray(next, size, 0, 0.01);
    const g0 = randomArray(next, size);
    const h = { lr: 3e-3, beta1: 0.87, beta2: 0.99, eps: 1e-6, debias1: 1 - 0.87 ** 3, debias2: 1 - 0.99 ** 3, decay: 1e-2 };
    const [wRef, mRef, vRef] = referenceStep(tf.tensor(w0, shape), tf.tensor(m0, shape), tf.tensor(v0, shape), tf.tensor(g0, shape), h);
    const w = tf.variable(tf.tensor(w0, shape));
    const m = tf.variable(tf.tensor(m0, shape), false);
    const v = tf.variable(tf.tensor(v0, shape), false);
    const g = tf.tensor(g0, shape);
    const x = tf.tensor4d(randomArray(next, 2 * 6 * 6 * 4), [2, 6, 6, 4]);
    // a conv with the old filter first: the backend caches an operator with that filter packed inside
    tf.conv2d(x, w as tf.Tensor4D, 1, 'same').dispose();
    const before = tf.memory().numTensors;
    expect(fusedAdamWUpdate(w, m, v, g, h)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelDiff(w.dataSync(), wRef!)).toBeLessThan(1e-6);
    expect(maxRelDiff(m.dataSync(), mRef!)).toBeLessThan(1e-6);
    expect(maxRelDiff(v.dataSync(), vRef!)).toBeLessThan(1e-6);
    const viaVariable = tf.conv2d(x, w as tf.Tensor4D, 1, 'same').dataSync();
    const viaCopy = tf.conv2d(x, tf.tensor4d(wRef!, shape as [number, number, number, number]), 1, 'same').dataSync();
    expect(maxRelDiff(viaVariable, viaCopy)).toBeLessThan(1e-5);
    tf.dispose([w, m, v, g, x]);
  });

  it('declines on other backends', async () => {
    await tf.setBackend('cpu');
    const w = tf.variable(tf.zeros([2]));
    expect(fusedAdamWUpdate(w, w, w, w, { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, debias1: 1, debias2: 1, decay: 0 })).toBe(false);
    w.dispose();
    await useWasmBackend();
  });
});
