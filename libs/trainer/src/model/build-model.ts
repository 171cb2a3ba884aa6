import * as tf from '@tensorflow/tfjs';
import { buildModel, type ModelOptions } from '@leakproof/wasm-training';
import type { TrainConfig } from '../config.js';
import { Rng, withSeededMathRandom } from '../rng.js';
import { fsIOHandler } from './fs-io-handler.js';
import { LeakproofError } from '@leakproof/core';

export interface TrainableModel {
  model: tf.LayersModel;
  /** the final layer outputs logits (built-in nets) rather than probabilities (some pretrained heads) */
  outputIsLogits: boolean;
  inputChannels: number;
  /** trainable variables in model order */
  variables: tf.Variable[];
  /** layer groups (early body … head), as indices into `variables`; the last group is the head */
  groups: number[][];
  pretrained: boolean;
}

export class ModelLoadError extends LeakproofError {
  constructor(message: string) {
    super(message, { code: 'model-load' });
  }
}

export async function createModel(config: TrainConfig): Promise<TrainableModel> {
  if (typeof config.model === 'object') return loadPretrained(config.model.pretrained, config);
  const choice = config.model;
  const model = withSeededMathRandom(Rng.fromSeed(config.seed, 'init'), () => buildModel(choice, builtInModelOptions(config, choice)));
  return describe(model, true, 1, false, config.fineTune.layerGroups);
}

/** Options of a built-in net as the config describes it (single-channel input, logits out). */
export function builtInModelOptions(config: TrainConfig, choice: 'cnn4' | 'resnet-s'): ModelOptions {
  return {
    inputSize: config.imageSize,
    channels: 1,
    widthMultiplier: config.width,
    depth: choice === 'resnet-s' ? config.depth : undefined,
    dropoutRate: config.dropout,
    outputActivation: 'linear',
    seed: config.seed,
  };
}

/** A TF.js Layers model (model.json + weights) from disk; a head that is not a single unit is replaced. */
async function loadPretrained(dir: string, config: TrainConfig): Promise<TrainableModel> {
  let base: tf.LayersModel;
  try {
    base = await tf.loadLayersModel(fsIOHandler(dir));
  } catch (error) {
    throw new ModelLoadError(`model.pretrained '${dir}': ${(error as Error).message}`);
  }
  const inputShape = base.inputs[0]?.shape ?? [];
  const [, height, width, channels] = inputShape;
  if (inputShape.length !== 4 || (channels !== 1 && channels !== 3)) {
    throw new ModelLoadError(`model.pretrained '${dir}' expects input [${inputShape.join(', ')}]; it must be [batch, height, width, 1 or 3] (NHWC)`);
  }
  if ((height != null && height !== config.imageSize) || (width != null && width !== config.imageSize)) {
    throw new ModelLoadError(`model.pretrained '${dir}' takes ${height}×${width} inputs; set imageSize=${height ?? width} in the config`);
  }
  const last = base.layers[base.layers.length - 1]!;
  const lastConfig = last.getConfig() as { units?: number; activation?: string };
  if (lastConfig.units === 1) {
    return describe(base, lastConfig.activation !== 'sigmoid', channels, true, config.fineTune.layerGroups);
  }
  // new binary head on the penultimate features, as fastai's cnn_learner does
  const features = base.layers[base.layers.length - 2]?.output as tf.SymbolicTensor | undefined;
  if (!features) throw new ModelLoadError(`model.pretrained '${dir}' has no feature layer to attach a new head to`);
  const model = withSeededMathRandom(Rng.fromSeed(config.seed, 'head'), () => {
    let x = features;
    if (x.shape.length === 4) x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    if (config.dropout > 0) x = tf.layers.dropout({ rate: config.dropout }).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 1, activation: 'linear', name: 'leakproof_head' }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: base.inputs, outputs: out });
  });
  return describe(model, true, channels, true, config.fineTune.layerGroups);
}

function describe(model: tf.LayersModel, outputIsLogits: boolean, inputChannels: number, pretrained: boolean, groupCount: number): TrainableModel {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const weighted = model.layers.filter((layer) => layer.trainableWeights.length > 0);
  const head = weighted[weighted.length - 1];
  const headNames = new Set(head?.trainableWeights.map((w) => (w.read() as tf.Variable).name) ?? []);
  const headIdx: number[] = [];
  const bodyIdx: number[] = [];
  variables.forEach((v, i) => (headNames.has(v.name) ? headIdx : bodyIdx).push(i));
  const bodyGroups = Math.max(1, groupCount - 1);
  const groups: number[][] = Array.from({ length: bodyGroups }, (_, g) =>
    bodyIdx.slice(Math.floor((g * bodyIdx.length) / bodyGroups), Math.floor(((g + 1) * bodyIdx.length) / bodyGroups)),
  );
  groups.push(headIdx);
  return { model, outputIsLogits, inputChannels: inputChannels ?? 1, variables, groups, pretrained };
}

/** Variables trained while the body is frozen: the head plus BatchNorm γ/β (fastai's train_bn). */
export function frozenTrainable(trainable: TrainableModel): number[] {
  const head = trainable.groups[trainable.groups.length - 1] ?? [];
  const bn = trainable.variables.flatMap((v, i) => (/(gamma|beta)(_\d+)?$/.test(v.name) ? [i] : []));
  return [...new Set([...head, ...bn])].sort((a, b) => a - b);
}

/** Discriminative LRs: group g gets lo·(hi/lo)^(g/(G−1)); returned as multipliers of hi per variable name. */
export function discriminativeScales(trainable: TrainableModel, lo: number, hi: number): Map<string, number> {
  const scales = new Map<string, number>();
  const count = trainable.groups.length;
  trainable.groups.forEach((group, g) => {
    const lr = count === 1 ? hi : lo * (hi / lo) ** (g / (count - 1));
    for (const i of group) scales.set(trainable.variables[i]!.name, lr / hi);
  });
  return scales;
}
