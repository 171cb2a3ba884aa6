import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng.js';

/**
 * Label smoothing and mixup: two ways of training on soft targets so a model does not learn to be certain.
 * `labelSmoothing` (0.1 by default since 4 Dec) and `mixup` (off) in the trainer config set them (README "Soft targets").
 */

/** Targets pulled toward 1/2: y·(1 − ε) + ε/2, so a fully confident logit is never what the loss asks for. */
export function smoothLabels(y: Float32Array, epsilon: number): Float32Array {
  if (epsilon === 0) return y;
  return y.map((v) => v * (1 - epsilon) + epsilon / 2);
}

/**
 * The mixup weight of one batch: λ ~ Beta(α, α), folded to λ ≥ 1/2 so each example stays the larger part of its
 * own mix (its partner is the mirror image of the batch, see mixTargets). α = 0 means no mixing (λ = 1).
 */
export function drawMixLambda(rng: Rng, alpha: number): number {
  if (alpha === 0) return 1;
  const a = gammaSample(rng, alpha);
  const b = gammaSample(rng, alpha);
  const lambda = a + b > 0 ? a / (a + b) : 1;
  return Math.max(lambda, 1 - lambda);
}

/**
 * Targets and loss weights of a mixed shard. Example i is mixed with example n−1−i of the same shard (the batch
 * order is already random, so the mirror is a random pairing that needs no shared state between threads). The
 * mixed loss λ·w_i·BCE(y_i) + (1−λ)·w_j·BCE(y_j) is exactly W·BCE(Y) with W = λw_i + (1−λ)w_j and
 * Y = (λw_i·y_i + (1−λ)w_j·y_j) / W, so class weights keep their meaning under mixing.
 */
export function mixTargets(y: Float32Array, w: Float32Array, lambda: number): { y: Float32Array; w: Float32Array } {
  if (lambda === 1) return { y, w };
  const n = y.length;
  const mixedW = new Float32Array(n);
  const mixedY = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const j = n - 1 - i;
    const wi = lambda * w[i]!;
    const wj = (1 - lambda) * w[j]!;
    mixedW[i] = wi + wj;
    mixedY[i] = mixedW[i]! > 0 ? (wi * y[i]! + wj * y[j]!) / mixedW[i]! : y[i]!;
  }
  return { y: mixedY, w: mixedW };
}

/** The images of a shard mixed like mixTargets: λ·x_i + (1 − λ)·x_{n−1−i}. */
export function mixInputs(x: tf.Tensor4D, lambda: number): tf.Tensor4D {
  if (lambda === 1) return x;
  return tf.tidy(() => x.mul(lambda).add(tf.reverse(x, 0).mul(1 - lambda)));
}

/** Gamma(shape, 1) by Marsaglia–Tsang; shapes below 1 through Gamma(shape + 1)·U^(1/shape). */
export function gammaSample(rng: Rng, shape: number): number {
  if (shape < 1) return gammaSample(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = standardNormal(rng);
    const v = Math.pow(1 + c * z, 3);
    if (v <= 0) continue;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Box–Muller, one of the pair. */
function standardNormal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}
