import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { drawMixLambda, gammaSample, mixInputs, mixTargets, smoothLabels } from './soft-targets.js';
import { weightedBce } from './train-step.js';

describe('label smoothing', () => {
  it('pulls targets toward 1/2 by ε and leaves them alone at ε = 0', () => {
    const y = Float32Array.from([0, 1, 1]);
    expect(Array.from(smoothLabels(y, 0.1))).toEqual([0.05, 0.95, 0.95].map(Math.fround));
    expect(smoothLabels(y, 0)).toBe(y);
  });
});

describe('mixup', () => {
  it('draws λ in [1/2, 1] with the folded Beta(α, α) mean, and λ = 1 when off', () => {
    const rng = Rng.fromSeed(1, 'mixup');
    const draws = Array.from({ length: 4000 }, () => drawMixLambda(rng, 0.4));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...draws)).toBeLessThanOrEqual(1);
    // E[max(λ, 1 − λ)] for Beta(0.4, 0.4) is about 0.84 (most mass near 0 and 1)
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.8);
    expect(mean).toBeLessThan(0.88);
    expect(drawMixLambda(rng, 0)).toBe(1);
  });

  it('samples Gamma(k) with mean k on both sides of shape 1', () => {
    const rng = Rng.fromSeed(2);
    for (const shape of [0.2, 2.5]) {
      const draws = Array.from({ length: 6000 }, () => gammaSample(rng, shape));
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      expect(mean).toBeGreaterThan(shape * 0.9);
      expect(mean).toBeLessThan(shape * 1.1);
    }
  });

  it('mixed targets give exactly the mixed per-example losses, class weights included', () => {
    const y = Float32Array.from([1, 0, 0, 1, 1]);
    const w = Float32Array.from([0.7, 1.6, 1.6, 0.7, 0.7]);
    const logits = tf.tensor1d([2.0, -1.0, 0.5, 1.5, -0.3]);
    const lambda = 0.73;
    const mixed = mixTargets(y, w, lambda);
    const viaTargets = weightedBce(logits, tf.tensor1d(mixed.y), tf.tensor1d(mixed.w), true).dataSync()[0]!;
    // the definition: λ·loss against the own label + (1 − λ)·loss against the mirror partner's label
    const own = weightedBce(logits, tf.tensor1d(y), tf.tensor1d(w), true).dataSync()[0]!;
    const partner = weightedBce(logits, tf.tensor1d(y.slice().reverse()), tf.tensor1d(w.slice().reverse()), true).dataSync()[0]!;
    expect(viaTargets).toBeCloseTo(lambda * own + (1 - lambda) * partner, 5);
    expect(mixTargets(y, w, 1)).toEqual({ y, w });
  });

  it('mixes each image with its mirror in the batch', () => {
    const x = tf.tensor4d([0, 1, 2, 3], [4, 1, 1, 1]);
    expect(Array.from(mixInputs(x, 0.75).dataSync())).toEqual([0.75, 1.25, 1.75, 2.25]);
    expect(mixInputs(x, 1)).toBe(x);
  });
});
