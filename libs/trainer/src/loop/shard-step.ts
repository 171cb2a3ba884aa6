import * as tf from '@tensorflow/tfjs';
import { float32View } from '@leakproof/wasm-training';
import type { TrainableModel } from '../model/build-model.js';
import { Rng, withSeededMathRandom } from '../rng.js';
import { mixInputs } from './soft-targets.js';
import { inputTensor, weightedBce } from './train-step.js';

/** One data-parallel shard of a step: which images of the batch, their labels, and how much of the batch it is. */
export interface ShardTask {
  /** the shard is images [from, to) of the batch */
  from: number;
  to: number;
  y: Float32Array;
  w: Float32Array;
  /** n_shard / n_batch: loss and gradients are scaled by it, so the shards' results simply add up */
  share: number;
  /** mixup weight: the shard's images are mixed in the step; y and w are already the mixed targets */
  mixLambda: number;
  /** indices into TrainableModel.variables of the variables being trained (all, or the frozen phase's subset) */
  active: number[];
  /** key of this shard's dropout stream: (seed, 'dropout', epoch, step, shard) */
  dropoutKey: (number | string)[];
}

/** Floats of the trainable weights and of the non-trainable ones (BN moving statistics), model order. */
export function weightFloats(trainable: TrainableModel): { trainable: number[]; nonTrainable: number[] } {
  return {
    trainable: trainable.model.trainableWeights.map((w) => w.shape.reduce<number>((a, b) => a * (b ?? 1), 1)),
    nonTrainable: trainable.model.nonTrainableWeights.map((w) => w.shape.reduce<number>((a, b) => a * (b ?? 1), 1)),
  };
}

/** All weights (trainable, then non-trainable) copied into one flat array. */
export function writeWeights(trainable: TrainableModel, out: Float32Array): void {
  let offset = 0;
  for (const w of [...trainable.model.trainableWeights, ...trainable.model.nonTrainableWeights]) {
    const data = float32View(w.read());
    out.set(data, offset);
    offset += data.length;
  }
}

/** Sets every weight (trainable, then non-trainable) from one flat array. */
export function readWeights(trainable: TrainableModel, flat: Float32Array): void {
  let offset = 0;
  tf.tidy(() => {
    for (const w of [...trainable.model.trainableWeights, ...trainable.model.nonTrainableWeights]) {
      const size = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      w.write(tf.tensor(flat.subarray(offset, offset + size), w.shape as number[]));
      offset += size;
    }
  });
}

/**
 * Forward/backward of one shard in training mode. Writes share × gradient of each active variable (in `active`
 * order, packed) into `out`, then share × each non-trainable weight after the step (BN moving statistics, so
 * the sum over shards is their shard-weighted mean); returns share × the shard's weighted mean loss.
 */
export function shardGradients(trainable: TrainableModel, task: ShardTask, x: Float32Array, size: number, out: Float32Array): number {
  const n = task.y.length;
  const vars = task.active.map((i) => trainable.variables[i]!);
  return withSeededMathRandom(Rng.fromSeed(...task.dropoutKey), () =>
    tf.tidy(() => {
      const xs = mixInputs(inputTensor(x, n, size, trainable.inputChannels), task.mixLambda);
      const y = tf.tensor1d(task.y);
      const w = tf.tensor1d(task.w);
      const { value, grads } = tf.variableGrads(() => {
        const output = trainable.model.apply(xs, { training: true }) as tf.Tensor;
        return weightedBce(output, y, w, trainable.outputIsLogits);
      }, vars);
      let offset = 0;
      const put = (data: Float32Array) => {
        for (let j = 0; j < data.length; j++) out[offset + j] = data[j]! * task.share;
        offset += data.length;
      };
      for (const v of vars) put(float32View(grads[v.name]!));
      for (const v of trainable.model.nonTrainableWeights) put(float32View(v.read()));
      return value.dataSync()[0]! * task.share;
    }),
  );
}
