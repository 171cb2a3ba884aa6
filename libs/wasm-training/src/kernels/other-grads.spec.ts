import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fusedBatchNormGradConfig } from './batch-norm-grad.js';
import { arraysOf, maxRelDiff, onBackend, randInt, randomArray, rng } from '../test-utils.js';

type Fn = (...xs: tf.Tensor[]) => tf.Tensor;

/** Output plus gradients of Σ(f(inputs)·r) for a fixed random r, on the current backend. */
function gradsOf(fn: Fn, inputs: { data: Float32Array; shape: number[] }[], seed: number): Float32Array[] {
  return tf.tidy(() => {
    const ts = inputs.map((i) => tf.tensor(i.data, i.shape));
    const y = fn(...ts);
    const r = tf.tensor(randomArray(rng(seed), y.size), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(fn(...xs), r)))(ts);
    return arraysOf([y.clone(), ...grads.map((g) => g.clone())]);
  });
}

async function expectSameOnBothBackends(fn: Fn, inputs: { data: Float32Array; shape: number[] }[], seed: number, tol = 1e-4): Promise<void> {
  const cpu = await onBackend('cpu', () => gradsOf(fn, inputs, seed));
  const wasm = await onBackend('wasm', () => gradsOf(fn, inputs, seed));
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((c, k) => expect(maxRelDiff(wasm[k]!, c), `output ${k}`).toBeLessThan(tol));
}

function input(next: () => number, shape: number[], lo = -1, hi = 1) {
  return { data: randomArray(next, shape.reduce((a, b) => a * b, 1), lo, hi), shape };
}

describe('depthwise / separable conv gradients on wasm match cpu', () => {
  const next = rng(11);
  const cases = Array.from({ length: 16 }, () => {
    const k = randInt(next, 1, 3);
    const stride = randInt(next, 1, 3);
    return { n: randInt(next, 1, 2), h: k + randInt(next, 0, 6), w: k + randInt(next, 0, 6), c: randInt(next, 1, 4), m: randInt(next, 1, 2), k, stride, pad: next() < 0.5 ? ('same' as const) : ('valid' as const) };
  });
  it.each(cases.map((c, i) => [i, c] as const))('depthwise case %i %j', async (i, c) => {
    const g = rng(200 + i);
    await expectSameOnBothBackends(
      (x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad),
      [input(g, [c.n, c.h, c.w, c.c]), input(g, [c.k, c.k, c.c, c.m])],
      i,
    );
  });
  it('separable conv', async () => {
    const g = rng(31);
    await expectSameOnBothBackends(
      (x, d, p) => tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 2, 'same'),
      [input(g, [2, 7, 6, 3]), input(g, [3, 3, 3, 2]), input(g, [1, 1, 6, 4])],
      31,
    );
  });
  it("depthwise 'same' with stride > kernel", async () => {
    const g = rng(32);
    await expectSameOnBothBackends((x, f) => tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 3, 'same'), [input(g, [1, 8, 8, 2]), input(g, [2, 2, 2, 1])], 32);
  });
});

describe('pooling gradients on wasm match cpu', () => {
  const next = rng(13);
  const cases = Array.from({ length: 16 }, () => ({
    n: randInt(next, 1, 2), h: randInt(next, 2, 9), w: randInt(next, 2, 9), c: randInt(next, 1, 5),
    size: randInt(next, 1, 3), stride: randInt(next, 1, 3), pad: next() < 0.5 ? ('same' as const) : ('valid' as const),
  })).filter((c) => c.pad === 'same' || (c.size <= c.h && c.size <= c.w));
  it.each(cases.map((c, i) => [i, c] as const))('max pool with all-negative windows, case %i %j', async (i, c) => {
    // all ≤ 0 inputs: exactly the windows wasm 4.22's MaxPoolGrad routes wrongly
    await expectSameOnBothBackends((x) => tf.maxPool(x as tf.Tensor4D, c.size, c.stride, c.pad), [input(rng(300 + i), [c.n, c.h, c.w, c.c], -2, 0)], i);
  });
  it.each(cases.map((c, i) => [i, c] as const))('max pool mixed sign, case %i', async (i) => {
    const c = cases[i]!;
    await expectSameOnBothBackends((x) => tf.maxPool(x as tf.Tensor4D, c.size, c.stride, c.pad), [input(rng(400 + i), [c.n, c.h, c.w, c.c])], i);
  });
  it.each(cases.map((c, i) => [i, c] as const))('avg pool, case %i', async (i) => {
    const c = cases[i]!;
    await expectSameOnBothBackends((x) => tf.avgPool(x as tf.Tensor4D, c.size, c.stride, c.pad), [input(rng(500 + i), [c.n, c.h, c.w, c.c])], i);
  });
  it('global average pooling and dense', async () => {
    const g = rng(41);
    await expectSameOnBothBackends((x, w) => tf.matMul(tf.mean(x, [1, 2]), w as tf.Tensor2D), [input(g, [3, 5, 4, 6]), input(g, [6, 2])], 41);
  });
});

describe('activation gradients on wasm match cpu', () => {
  const acts: [string, Fn][] = [
    ['relu', (x) => tf.relu(x)],
    ['relu6', (x) => tf.relu6(tf.mul(x, 8))],
    ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)],
    ['elu', (x) => tf.elu(x)],
    ['prelu', (x, a) => tf.prelu(x, a)],
    ['sigmoid', (x) => tf.sigmoid(x)],
  ];
  it.each(acts)('%s', async (name, fn) => {
    const g = rng(name.length);
    const inputs = name === 'prelu' ? [input(g, [2, 3, 3, 4]), input(g, [4])] : [input(g, [2, 3, 3, 4])];
    await expectSameOnBothBackends(fn, inputs, 5);
  });
});

describe('batch-norm gradient (training mode: moments + batchNorm)', () => {
  const bn: Fn = (x, gamma, beta) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5);
  };
  it('wasm with the Tile-free gradient equals cpu with the stock gradient', async () => {
    const g = rng(51);
    const inputs = [input(g, [3, 5, 4, 6], -2, 3), input(g, [6], 0.5, 1.5), input(g, [6])];
    const stock = tf.getGradient('FusedBatchNorm');
    if (!stock) throw new Error('no stock FusedBatchNorm gradient');
    await onBackend('wasm', () => undefined); // registers ours (global)
    tf.registerGradient({ ...stock });
    const cpu = await onBackend('cpu', () => gradsOf(bn, inputs, 9));
    tf.registerGradient(fusedBatchNormGradConfig);
    const wasm = await onBackend('wasm', () => gradsOf(bn, inputs, 9));
    cpu.forEach((c, k) => expect(maxRelDiff(wasm[k]!, c), `output ${k}`).toBeLessThan(1e-4));
  });
  it('keeps [1,1,1,C] statistics working (broadcast path)', async () => {
    const g = rng(52);
    const bc: Fn = (x, gamma, beta) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2], true);
      return tf.batchNorm(x, mean, variance, tf.reshape(beta!, [1, 1, 1, 6]), tf.reshape(gamma!, [1, 1, 1, 6]), 1e-3);
    };
    await expectSameOnBothBackends(bc, [input(g, [2, 3, 4, 6]), input(g, [6], 0.5, 1.5), input(g, [6])], 3);
  });
});
