import type { ImageRecord } from '@leakproof/ingest';
import { prepareBackend } from './backend.js';
import type { TrainConfig } from './config.js';
import { binaryLabel } from './data/dataset.js';
import { ImagePool } from './data/image-pool.js';
import type { AugmentParams } from './data/augment.js';
import { predictProbabilities } from './loop/train-step.js';
import { ensembleMembers } from './ensemble.js';
import { loadPreprocessing, loadSavedModel, type Preprocessing } from './model/saved-model.js';

export interface ImagePrediction {
  path: string;
  patient: string;
  /** 1 = the positive class of the model (config.positiveClass, PNEUMONIA by default) */
  label: 0 | 1;
  /** probability of the positive class */
  prob: number;
}

export interface PredictOptions {
  root: string;
  images: readonly ImageRecord[];
  modelDir: string;
  /** only backend/workers are read; image size, normalisation and positive class come from the saved model */
  config: Pick<TrainConfig, 'backend' | 'workers'>;
  batchSize?: number;
  /** test-time views to average; default: what the model recorded (its config's tta), else 1 */
  tta?: number;
}

/**
 * Positive-class probabilities for every record, with the preprocessing recorded next to the model; for a
 * seed ensemble (ensemble.json) the mean over its members, each averaged over the test-time views.
 */
export async function predict(options: PredictOptions): Promise<ImagePrediction[]> {
  await prepareBackend(options.config.backend, options.config.workers);
  const memberDirs = await ensembleMembers(options.modelDir);
  const preprocessing = await sharedPreprocessing(memberDirs);
  const pool = new ImagePool(preprocessing.imageSize, options.images.length, Math.min(options.config.workers, 2));
  try {
    await pool.decodeAll(
      options.root,
      options.images.map((r) => r.path),
      undefined,
      preprocessing.normalisation.intensity ?? 'none',
    );
    const probs = new Float64Array(options.images.length);
    for (const dir of memberDirs) {
      const member = await memberProbabilities(dir, pool, options);
      for (let i = 0; i < probs.length; i++) probs[i] = probs[i]! + member[i]! / memberDirs.length;
    }
    return options.images.map((record, i) => ({
      path: record.path,
      patient: record.patient,
      label: binaryLabel(record, preprocessing.positiveClass),
      prob: Math.min(1, Math.max(0, probs[i]!)),
    }));
  } finally {
    await pool.close();
  }
}

/** One model's probabilities for every decoded image of the pool, averaged over its test-time views. */
async function memberProbabilities(modelDir: string, pool: ImagePool, options: PredictOptions): Promise<Float64Array> {
  const { trainable, preprocessing } = await loadSavedModel(modelDir);
  const batchSize = options.batchSize ?? 64;
  const out = new Float64Array(options.images.length);
  try {
    const views = testTimeViews(preprocessing.imageSize, options.tta ?? preprocessing.normalisation.tta ?? 1);
    for (let start = 0; start < options.images.length; start += batchSize) {
      const slots = Array.from({ length: Math.min(batchSize, options.images.length - start) }, (_, i) => start + i);
      for (const view of views) {
        const x = await pool.batch(slots, view === null ? null : slots.map(() => view), preprocessing.normalisation);
        const p = predictProbabilities(trainable, x, slots.length, preprocessing.imageSize, preprocessing.logitBias);
        for (let i = 0; i < slots.length; i++) out[start + i] = out[start + i]! + p[i]! / views.length;
      }
    }
    return out;
  } finally {
    trainable.model.dispose();
  }
}

/** The members' common preprocessing; members that decode differently cannot share one pass over the images. */
async function sharedPreprocessing(memberDirs: string[]): Promise<Preprocessing> {
  const all = await Promise.all(memberDirs.map((dir) => loadPreprocessing(dir)));
  const decode = (p: Preprocessing) => JSON.stringify([p.imageSize, p.positiveClass, p.normalisation.intensity ?? 'none']);
  const odd = all.findIndex((p) => decode(p) !== decode(all[0]!));
  if (odd > 0) throw new Error(`${memberDirs[odd]} decodes images differently from ${memberDirs[0]} (image size, positive class or intensity mode); an ensemble's members must share them`);
  return all[0]!;
}

/**
 * The first `count` of eight deterministic views (null = the image as it is): small zooms, shifts and rotations
 * inside the training augmentation's range, so averaging them smooths the score over framing and position.
 */
export function testTimeViews(size: number, count: number): (AugmentParams | null)[] {
  const view = (p: Partial<AugmentParams>): AugmentParams => ({ angleRad: 0, scale: 1, tx: 0, ty: 0, flip: false, brightness: 0, contrast: 1, ...p });
  const shift = 0.03 * size;
  const deg = Math.PI / 180;
  const all = [
    null,
    view({ scale: 1.06 }),
    view({ scale: 0.94 }),
    view({ tx: shift }),
    view({ tx: -shift }),
    view({ angleRad: 4 * deg }),
    view({ angleRad: -4 * deg }),
    view({ ty: shift }),
  ];
  return all.slice(0, Math.max(1, Math.min(count, all.length)));
}
