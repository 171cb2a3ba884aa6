import * as tf from '@tensorflow/tfjs';
import { createDataParallelTrainer, type DataParallelTrainer } from '@leakproof/wasm-training';
import type { TrainConfig } from '../config.js';
import type { AdamW, AdamWStepOptions } from '../model/adamw.js';
import { builtInModelOptions, type TrainableModel } from '../model/build-model.js';
import type { StepInput } from './train-step.js';

/**
 * Gradients of each step computed by @leakproof/wasm-training's data-parallel workers (the batch split across
 * worker threads, one wasm backend each); the update stays this package's AdamW so the one-cycle β1, per-group
 * LRs and checkpointed moments are exactly those of the single-thread path.
 */
export interface DataParallelGradients {
  readonly workers: number;
  step(trainable: TrainableModel, optimizer: AdamW, active: readonly tf.Variable[], input: StepInput, hyper: AdamWStepOptions): Promise<number>;
  dispose(): Promise<void>;
}

/** Whether `config` asks for data-parallel gradients and they apply (a built-in net and at least 2 workers). */
export function usesDataParallel(config: TrainConfig): config is TrainConfig & { model: 'cnn4' | 'resnet-s' } {
  return config.dataParallel && config.workers >= 2 && typeof config.model === 'string';
}

export async function createDataParallelGradients(config: TrainConfig & { model: 'cnn4' | 'resnet-s' }): Promise<DataParallelGradients> {
  // The workers' loss is binary cross-entropy on probabilities, so their copy of the net ends in a sigmoid; its
  // gradients equal the logit form's except where the probability is clipped at 1e-7 (a saturated example).
  const trainer: DataParallelTrainer = await createDataParallelTrainer({
    model: { kind: 'factory', name: config.model, options: { ...builtInModelOptions(config, config.model), outputActivation: 'sigmoid' } },
    workers: config.workers,
  });
  return {
    workers: trainer.workers,
    async step(trainable, optimizer, active, input, hyper) {
      const { model } = trainable;
      trainer.setWeights([...model.trainableWeights, ...model.nonTrainableWeights].map((w) => w.read().dataSync() as Float32Array));
      const result = await trainer.gradients(input.x, input.y, input.n, input.w);
      tf.tidy(() => {
        const grads: tf.NamedTensorMap = {};
        trainable.variables.forEach((variable, i) => (grads[variable.name] = tf.tensor(result.grads[i]!, variable.shape)));
        optimizer.apply(active, grads, hyper);
        // BatchNorm moving statistics: the workers' values after this step, averaged over shards
        model.nonTrainableWeights.forEach((w, i) => w.write(tf.tensor(result.nonTrainable[i]!, w.shape as number[])));
      });
      return result.loss;
    },
    dispose: () => trainer.dispose(),
  };
}
