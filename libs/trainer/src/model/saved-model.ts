import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { atomicWrite, fsIOHandler } from './fs-io-handler.js';
import type { TrainableModel } from './build-model.js';
import { intensityModes } from '../data/intensity.js';

export const preprocessingSchema = z.object({
  imageSize: z.number().int(),
  positiveClass: z.string(),
  normalisation: z.object({
    mean: z.number(),
    std: z.number(),
    /** per-image intensity mode applied at decode (absent in models trained before it existed = none) */
    intensity: z.enum(intensityModes).optional(),
    /** test-time views averaged by predict() (absent = 1) */
    tta: z.number().int().min(1).optional(),
  }),
  outputIsLogits: z.boolean(),
  inputChannels: z.number().int(),
  /** added to the logit before the sigmoid (prior correction after class reweighting) */
  logitBias: z.number().default(0),
  epoch: z.number().int(),
});
export type Preprocessing = z.infer<typeof preprocessingSchema>;

export const PREPROCESSING_FILE = 'preprocessing.json';

export async function saveModel(dir: string, trainable: TrainableModel, preprocessing: Preprocessing): Promise<void> {
  await trainable.model.save(fsIOHandler(dir));
  await atomicWrite(join(dir, PREPROCESSING_FILE), JSON.stringify(preprocessing, null, 2));
}

export async function loadPreprocessing(dir: string): Promise<Preprocessing> {
  try {
    return preprocessingSchema.parse(JSON.parse(await readFile(join(dir, PREPROCESSING_FILE), 'utf8')));
  } catch (error) {
    throw new Error(`${join(dir, PREPROCESSING_FILE)} is missing or invalid (${(error as Error).message}); modelDir must be a folder written by train()`);
  }
}

export async function loadSavedModel(dir: string): Promise<{ trainable: TrainableModel; preprocessing: Preprocessing }> {
  const preprocessing = await loadPreprocessing(dir);
  const model = await tf.loadLayersModel(fsIOHandler(dir));
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    trainable: { model, outputIsLogits: preprocessing.outputIsLogits, inputChannels: preprocessing.inputChannels, variables, groups: [variables.map((_, i) => i)], pretrained: false },
    preprocessing,
  };
}
