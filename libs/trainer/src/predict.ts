import type { ImageRecord } from '@leakproof/ingest';
import { prepareBackend } from './backend.js';
import type { TrainConfig } from './config.js';
import { binaryLabel } from './data/dataset.js';
import { ImagePool } from './data/image-pool.js';
import type { AugmentParams } from './data/augment.js';
import { predictProbabilities } from './loop/train-step.js';
import { loadSavedModel } from './model/saved-model.js';

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

/** Positive-class probabilities for every record, with the preprocessing recorded next to the model. */
export async function predict(options: PredictOptions): Promise<ImagePrediction[]> {
  await prepareBackend(options.config.backend, options.config.workers);
  const { trainable, preprocessing } = await loadSavedModel(options.modelDir);
  const pool = new ImagePool(preprocessing.imageSize, options.images.length, Math.min(options.config.workers, 2));
  const batchSize = options.batchSize ?? 64;
  try {
    await pool.decodeAll(
      options.root,
      options.images.map((r) => r.path),
      undefined,
      preprocessing.normalisation.intensity ?? 'none',
    );
    const out: ImagePrediction[] = [];
    for (let start = 0; start < options.images.length; start += batchSize) {
      const slots = Array.from({ length: Math.min(batchSize, options.images.length - start) }, (_, i) => start + i);
      const probs = new Float64Array(slots.length);
      const views = testTimeViews(preprocessing.imageSize, options.tta ?? preprocessing.normalisation.tta ?? 1);
      for (const view of views) {
        const x = await pool.batch(slots, view === null ? null : slots.map(() => view), preprocessing.normalisation);
        const p = predictProbabilities(trainable, x, slots.length, preprocessing.imageSize, preprocessing.logitBias);
        for (let i = 0; i < slots.length; i++) probs[i] = probs[i]! + p[i]! / views.length;
      }
      slots.forEach((slot, i) => {
        const record = options.images[slot]!;
        const prob = Math.min(1, Math.max(0, probs[i]!));
        out.push({ path: record.path, patient: record.patient, label: binaryLabel(record, preprocessing.positiveClass), prob });
      });
    }
    return out;
  } finally {
    trainable.model.dispose();
    await pool.close();
  }
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
