import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxRelDiff, randomArray, rng } from '../test-utils.js';
import { useWasmBackend } from '../wasm-backend.js';
import { plainConv2d } from './plain-conv2d.js';

describe('plainConv2d', () => {
  it('matches the stock bias-free Conv2D layer (output, kernel gradient) and serialises as Conv2D', async () => {
    await useWasmBackend();
    const x = tf.tensor4d(randomArray(rng(5), 2 * 9 * 9 * 3), [2, 9, 9, 3]);
    const config = { filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false } as const;
    const stock = tf.layers.conv2d(config);
    const plain = plainConv2d(config);
    stock.apply(x);
    plain.apply(x);
    plain.setWeights(stock.getWeights());
    const run = (layer: tf.layers.Layer) => {
      const kernel = layer.trainableWeights[0]!.read() as tf.Variable;
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, [kernel]);
      return [value.dataSync()[0]!, grads[kernel.name]!.dataSync() as Float32Array] as const;
    };
    const [lossStock, gradStock] = run(stock);
    const [lossPlain, gradPlain] = run(plain);
    expect(Math.abs(lossPlain - lossStock)).toBeLessThan(1e-5 * Math.max(1, lossStock));
    expect(maxRelDiff(gradPlain, gradStock)).toBeLessThan(1e-5);
    expect(plain.getClassName()).toBe('Conv2D');
    tf.dispose([x]);
  });
});
