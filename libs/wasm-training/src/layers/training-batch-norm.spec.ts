import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxRelDiff, randomArray, rng } from '../test-utils.js';
import { useWasmBackend } from '../wasm-backend.js';
import { trainingBatchNormalization } from './training-batch-norm.js';

/** conv → BN → relu → mean, with the stock or the closed-form BN; same weights; loss, grads, moving stats. */
function runNet(fused: boolean, weights: Float32Array[] | null, x: tf.Tensor4D) {
  const input = tf.input({ shape: x.shape.slice(1) as number[] });
  const conv = tf.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false }).apply(input) as tf.SymbolicTensor;
  const bnConfig = { momentum: 0.9, epsilon: 1e-5, gammaInitializer: 'randomNormal', betaInitializer: 'randomNormal' } as const;
  const bn = (fused ? trainingBatchNormalization(bnConfig) : tf.layers.batchNormalization(bnConfig)).apply(conv) as tf.SymbolicTensor;
  const head = tf.layers.dense({ units: 1 }).apply(tf.layers.flatten().apply(tf.layers.reLU().apply(bn)) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: head });
  if (weights) model.setWeights(weights.map((w, i) => tf.tensor(w, model.getWeights()[i]!.shape)));
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, vars);
  const out = {
    loss: value.dataSync()[0]!,
    grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array),
    weights: model.getWeights().map((w) => w.dataSync() as Float32Array),
    inference: (model.predict(x) as tf.Tensor).dataSync() as Float32Array,
    json: JSON.stringify(model.toJSON(null, false)),
  };
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

describe('trainingBatchNormalization', () => {
  it.each(['wasm', 'cpu'] as const)('gives the stock layer’s loss, gradients and moving statistics on %s', async (backend) => {
    if (backend === 'wasm') await useWasmBackend();
    else await tf.setBackend('cpu');
    const x = tf.tensor4d(randomArray(rng(11), 4 * 6 * 6 * 2, -2, 3), [4, 6, 6, 2]);
    const stock = runNet(false, null, x);
    const fused = runNet(true, stock.weights, x);
    // runNet mutated the moving statistics of each model: compare them and everything else
    const reference = runNet(false, stock.weights, x);
    expect(Math.abs(fused.loss - reference.loss)).toBeLessThan(1e-5 * Math.max(1, reference.loss));
    reference.grads.forEach((g, i) => expect(maxRelDiff(fused.grads[i]!, g), `grad ${i}`).toBeLessThan(1e-4));
    reference.weights.forEach((w, i) => expect(maxRelDiff(fused.weights[i]!, w), `weight ${i}`).toBeLessThan(1e-5));
    expect(maxRelDiff(fused.inference, reference.inference)).toBeLessThan(1e-5);
    expect(fused.json).toContain('"class_name":"BatchNormalization"');
    x.dispose();
    await useWasmBackend();
  });
});
