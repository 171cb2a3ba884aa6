import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildCnn4, buildModel, buildResNetS, type ModelName } from './models.js';
import { maxRelDiff, onBackend, randomArray, rng } from './test-utils.js';

const SMALL = { inputSize: 32, channels: 1, widthMultiplier: 0.5, dropoutRate: 0, seed: 42 } as const;

function lossAndGrads(name: ModelName, xs: Float32Array, ys: Float32Array, n: number): { loss: number; grads: Record<string, Float32Array> } {
  const model = buildModel(name, SMALL);
  const out = tf.tidy(() => {
    const x = tf.tensor4d(xs, [n, SMALL.inputSize, SMALL.inputSize, 1]);
    const y = tf.tensor2d(ys, [n, 1]);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.metrics.binaryCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar);
    const arrays: Record<string, Float32Array> = {};
    for (const [i, w] of model.trainableWeights.entries()) arrays[`${i}:${w.originalName.replace(/_\d+|\d+\//g, '/')}`] = grads[(w.read() as tf.Variable).name]?.dataSync() as Float32Array;
    return { loss: value.dataSync()[0]!, grads: arrays };
  });
  model.dispose();
  return out;
}

function toyTask(n: number, size: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const next = rng(seed);
  const xs = randomArray(next, n * size * size, 0, 0.3);
  const ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = i % 2;
    if (i % 2 === 1) {
      const r0 = Math.floor(next() * (size - 8));
      const c0 = Math.floor(next() * (size - 8));
      for (let r = r0; r < r0 + 8; r++) for (let c = c0; c < c0 + 8; c++) xs[(i * size + r) * size + c] = 1;
    }
  }
  return { x: tf.tensor4d(xs, [n, size, size, 1]), y: tf.tensor2d(ys, [n, 1]) };
}

describe('reference nets', () => {
  it('cnn4 at 128×128×1 has the 322,497 parameters of the reference', async () => {
    await onBackend('cpu', () => undefined);
    const model = buildCnn4({ inputSize: 128, channels: 1 });
    expect(model.countParams()).toBe(322_497);
    model.dispose();
  });

  it.each(['cnn4', 'resnet-s'] as const)('%s: loss and every weight gradient on wasm match cpu', async (name) => {
    const n = 4;
    const xs = randomArray(rng(1), n * SMALL.inputSize * SMALL.inputSize);
    const ys = new Float32Array([0, 1, 1, 0]);
    const cpu = await onBackend('cpu', () => lossAndGrads(name, xs, ys, n));
    const wasm = await onBackend('wasm', () => lossAndGrads(name, xs, ys, n));
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4);
    expect(Object.keys(wasm.grads).sort()).toEqual(Object.keys(cpu.grads).sort());
    for (const [weight, g] of Object.entries(cpu.grads)) expect(maxRelDiff(wasm.grads[weight]!, g), weight).toBeLessThan(2e-3);
  });

  it.each(['cnn4', 'resnet-s'] as const)('%s: no tensors leak over many optimizer steps on wasm', async (name) => {
    await onBackend('wasm', () => undefined);
    const model = buildModel(name, { ...SMALL, dropoutRate: 0.5 });
    const optimizer = tf.train.adam(1e-3);
    const { x, y } = toyTask(4, SMALL.inputSize, 3);
    const step = () => {
      const cost = optimizer.minimize(() => tf.mean(tf.metrics.binaryCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, true);
      cost?.dispose();
    };
    step();
    step();
    const before = tf.memory();
    const backendIds = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    for (let i = 0; i < 10; i++) step();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(backendIds);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });

  it.each([
    ['cnn4', buildCnn4],
    ['resnet-s', buildResNetS],
  ] as const)('%s trains with model.fit on wasm and its loss falls on a learnable toy task', async (_name, build) => {
    await onBackend('wasm', () => undefined);
    const model = build({ inputSize: 32, channels: 1, widthMultiplier: 0.5, seed: 7 });
    model.compile({ optimizer: tf.train.adam(3e-3), loss: 'binaryCrossentropy' });
    const { x, y } = toyTask(64, 32, 11);
    const history = await model.fit(x, y, { epochs: 8, batchSize: 16, shuffle: true, verbose: 0 });
    const losses = history.history['loss'] as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.6 * losses[0]!);
    tf.dispose([x, y]);
    model.dispose();
  });
});
