import * as tf from '@tensorflow/tfjs';
import type { AdamW, AdamWStepOptions } from '../model/adamw.js';
import type { TrainableModel } from '../model/build-model.js';
import { Rng, withSeededMathRandom } from '../rng.js';
import { mixInputs, mixTargets } from './soft-targets.js';

export function inputTensor(x: Float32Array, n: number, size: number, channels: number): tf.Tensor4D {
  return tf.tidy(() => {
    const gray = tf.tensor4d(x, [n, size, size, 1]);
    return channels === 1 ? gray : tf.tile(gray, [1, 1, 1, channels]);
  });
}

/** Mean of w·BCE, from logits (stable form) or from probabilities clipped away from 0 and 1. */
export function weightedBce(output: tf.Tensor, y: tf.Tensor, w: tf.Tensor, outputIsLogits: boolean): tf.Scalar {
  return tf.tidy(() => {
    const z = output.reshape([-1]);
    let perExample: tf.Tensor;
    if (outputIsLogits) {
      perExample = tf.relu(z).sub(z.mul(y)).add(tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    } else {
      const p = tf.clipByValue(z, 1e-7, 1 - 1e-7);
      perExample = tf.neg(y.mul(tf.log(p)).add(tf.sub(1, y).mul(tf.log(tf.sub(1, p)))));
    }
    return perExample.mul(w).mean() as tf.Scalar;
  });
}

/** A prefetched batch as a step's input (batches planned for data-parallel workers carry no images). */
export function stepInput(batch: { x: Float32Array | null; y: Float32Array; w: Float32Array; n: number; mixLambda: number }, size: number): StepInput {
  if (!batch.x) throw new Error('this batch was planned for data-parallel workers and has no images');
  const { y, w } = mixTargets(batch.y, batch.w, batch.mixLambda);
  return { x: batch.x, y, w, n: batch.n, size, mixLambda: batch.mixLambda };
}

export interface StepInput {
  x: Float32Array;
  y: Float32Array;
  w: Float32Array;
  n: number;
  size: number;
  /** the images are mixed with this weight in the step; y and w are already the mixed targets */
  mixLambda: number;
}

/**
 * One optimisation step: forward in training mode (dropout on, BN batch statistics), gradients of the
 * selected variables, AdamW update. Dropout masks come from a stream keyed by `dropoutKey`.
 */
export function trainStep(
  trainable: TrainableModel,
  optimizer: AdamW,
  active: readonly tf.Variable[],
  input: StepInput,
  hyper: AdamWStepOptions,
  dropoutKey: (number | string)[],
): number {
  const lossValue = withSeededMathRandom(Rng.fromSeed(...dropoutKey), () =>
    tf.tidy(() => {
      const x = mixInputs(inputTensor(input.x, input.n, input.size, trainable.inputChannels), input.mixLambda);
      const y = tf.tensor1d(input.y);
      const w = tf.tensor1d(input.w);
      const { value, grads } = tf.variableGrads(() => {
        const output = trainable.model.apply(x, { training: true }) as tf.Tensor;
        return weightedBce(output, y, w, trainable.outputIsLogits);
      }, [...active]);
      optimizer.apply(active, grads, hyper);
      return value.dataSync()[0]!;
    }),
  );
  return lossValue;
}

/**
 * Probabilities of the positive class for the given normalised images, without augmentation. `logitBias` is
 * added to the logit first: class weights / balanced sampling train the model as if both classes were equally
 * common, and adding log(n_pos/n_neg) undoes that prior shift so probabilities are calibrated to the data.
 */
export function predictProbabilities(trainable: TrainableModel, x: Float32Array, n: number, size: number, logitBias = 0): Float32Array {
  return tf.tidy(() => {
    const input = inputTensor(x, n, size, trainable.inputChannels);
    const output = (trainable.model.apply(input, { training: false }) as tf.Tensor).reshape([-1]);
    if (logitBias === 0) return (trainable.outputIsLogits ? tf.sigmoid(output) : output).dataSync() as Float32Array;
    const logits = trainable.outputIsLogits ? output : tf.log(tf.clipByValue(output, 1e-7, 1 - 1e-7)).sub(tf.log1p(tf.neg(tf.clipByValue(output, 1e-7, 1 - 1e-7))));
    return tf.sigmoid(logits.add(logitBias)).dataSync() as Float32Array;
  });
}

/** The prior correction for predictProbabilities: log(n_pos / n_neg) when the imbalance was reweighted, else 0. */
export function priorLogitBias(strategy: 'weights' | 'balanced-sampling' | 'none', labels: readonly (0 | 1)[]): number {
  const positives = labels.reduce<number>((sum, l) => sum + l, 0);
  const negatives = labels.length - positives;
  if (strategy === 'none' || positives === 0 || negatives === 0) return 0;
  return Math.log(positives / negatives);
}
