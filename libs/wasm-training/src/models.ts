import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { plainConv2d } from './layers/plain-conv2d.js';
import { trainingBatchNormalization } from './layers/training-batch-norm.js';

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

export const ModelOptionsSchema = z.object({
  inputSize: z.number().int().min(8, 'inputSize must be ≥ 8 pixels'),
  channels: z.number().int().min(1).max(4),
  widthMultiplier: z.number().positive().default(1),
  /** cnn4: number of conv stages (default 4); resnet-s: basic blocks per stage (default 1). */
  depth: z.number().int().min(1).optional(),
  dropoutRate: z.number().min(0).max(0.95).default(0.5),
  outputActivation: z.enum(['sigmoid', 'linear']).default('sigmoid'),
  seed: z.number().int().optional(),
});
export type ModelOptions = z.input<typeof ModelOptionsSchema>;

export const MODEL_FAMILY = ['cnn4', 'resnet-s'] as const;
export type ModelName = (typeof MODEL_FAMILY)[number];

function width(filters: number, multiplier: number): number {
  return Math.max(1, Math.round(filters * multiplier));
}

function seededInit(seed: number | undefined, counter: { n: number }): Initializer | undefined {
  if (seed === undefined) return undefined;
  counter.n += 1;
  return tf.initializers.glorotUniform({ seed: seed + counter.n });
}

/**
 * `cnn4`: 4 × [conv 3×3 'same' + ReLU + maxpool 2] with 16/32/64/64 filters → flatten →
 * dense 64 ReLU → dropout 0.5 → dense 1 (322,497 parameters at 128×128×1).
 */
export function buildCnn4(options: ModelOptions): tf.LayersModel {
  const o = ModelOptionsSchema.parse(options);
  const stages = o.depth ?? 4;
  const filters = [16, 32, 64, 64];
  const counter = { n: 0 };
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.channels] });
  let x: tf.SymbolicTensor = input;
  for (let s = 0; s < stages; s++) {
    x = tf.layers
      .conv2d({ filters: width(filters[Math.min(s, filters.length - 1)] as number, o.widthMultiplier), kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: seededInit(o.seed, counter) })
      .apply(x) as tf.SymbolicTensor;
    x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  }
  x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  x = tf.layers.dense({ units: width(64, o.widthMultiplier), activation: 'relu', kernelInitializer: seededInit(o.seed, counter) }).apply(x) as tf.SymbolicTensor;
  if (o.dropoutRate > 0) x = tf.layers.dropout({ rate: o.dropoutRate }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 1, activation: o.outputActivation, kernelInitializer: seededInit(o.seed, counter) }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'cnn4' });
}

function convBn(x: tf.SymbolicTensor, filters: number, kernelSize: number, strides: number, init: Initializer | undefined): tf.SymbolicTensor {
  const y = plainConv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init }).apply(x) as tf.SymbolicTensor;
  // momentum/epsilon as in PyTorch's BatchNorm2d defaults so both references train alike.
  // the stock layer's maths and weights, with a closed-form training gradient (~10 kernels instead of ~25)
  return trainingBatchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(y) as tf.SymbolicTensor;
}

function basicBlock(x: tf.SymbolicTensor, inFilters: number, filters: number, strides: number, next: () => Initializer | undefined): tf.SymbolicTensor {
  let y = convBn(x, filters, 3, strides, next());
  y = tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  y = convBn(y, filters, 3, 1, next());
  const shortcut = inFilters === filters && strides === 1 ? x : convBn(x, filters, 1, strides, next());
  const sum = tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor;
  return tf.layers.reLU().apply(sum) as tf.SymbolicTensor;
}

/**
 * `resnet-s`: conv 3×3 stride 2, 16 filters, no bias + BN + ReLU + maxpool 2 → basic blocks
 * with 16 (stride 1), 32, 64, 128 (stride 2) filters → global average pool → dense 1.
 */
export function buildResNetS(options: ModelOptions): tf.LayersModel {
  const o = ModelOptionsSchema.parse(options);
  const blocksPerStage = o.depth ?? 1;
  const counter = { n: 0 };
  const next = () => seededInit(o.seed, counter);
  const input = tf.input({ shape: [o.inputSize, o.inputSize, o.channels] });
  let x = convBn(input, width(16, o.widthMultiplier), 3, 2, next());
  x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
  let inFilters = width(16, o.widthMultiplier);
  for (const [stage, base] of [16, 32, 64, 128].entries()) {
    const filters = width(base, o.widthMultiplier);
    for (let b = 0; b < blocksPerStage; b++) {
      x = basicBlock(x, inFilters, filters, b === 0 && stage > 0 ? 2 : 1, next);
      inFilters = filters;
    }
  }
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 1, activation: o.outputActivation, kernelInitializer: next() }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'resnet-s' });
}

export function buildModel(name: ModelName, options: ModelOptions): tf.LayersModel {
  if (name === 'cnn4') return buildCnn4(options);
  if (name === 'resnet-s') return buildResNetS(options);
  throw new Error(`unknown model '${String(name)}': expected one of ${MODEL_FAMILY.join(', ')}`);
}
