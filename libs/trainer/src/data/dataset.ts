import type { ImageRecord } from '@leakproof/ingest';
import type { TrainConfig } from '../config.js';
import { fitNormalisation, type Normalisation } from './augment.js';
import { ImagePool } from './image-pool.js';
import { LeakproofError } from '@leakproof/core';

export class TrainDataError extends LeakproofError {
  constructor(message: string) {
    super(message, { code: 'train-data' });
  }
}

export interface PreparedData {
  pool: ImagePool;
  train: { slots: number[]; labels: (0 | 1)[]; records: ImageRecord[] };
  val: { slots: number[]; labels: (0 | 1)[]; records: ImageRecord[] };
  norm: Normalisation;
}

export function binaryLabel(record: ImageRecord, positiveClass: string): 0 | 1 {
  return record.label === positiveClass ? 1 : 0;
}

/**
 * Decodes the train and val images into one shared cache through the worker pool and fits the normalisation
 * on the training split only. `needVal` = false for lr_find, which only looks at training loss.
 */
export async function prepareData(root: string, images: readonly ImageRecord[], config: TrainConfig, needVal = true, signal?: AbortSignal): Promise<PreparedData> {
  const train = images.filter((r) => r.split === 'train');
  const val = images.filter((r) => r.split === 'val');
  if (train.length === 0) throw new TrainDataError(`no images with split 'train' among ${images.length}; pass the manifest's train images`);
  if (needVal && val.length === 0) {
    throw new TrainDataError("no images with split 'val': carve a validation split by patient first (carveByPatient in @leakproof/ingest)");
  }
  const trainLabels = train.map((r) => binaryLabel(r, config.positiveClass));
  if (!trainLabels.includes(1)) {
    const labels = [...new Set(train.map((r) => r.label))].join(', ');
    throw new TrainDataError(`no training image has the positive class '${config.positiveClass}' (labels found: ${labels}); set positiveClass in the config`);
  }
  if (!trainLabels.includes(0)) throw new TrainDataError(`every training image is '${config.positiveClass}'; a binary classifier needs both classes`);
  const all = [...train, ...val];
  const pool = new ImagePool(config.imageSize, all.length, config.workers);
  try {
    await pool.decodeAll(
      root,
      all.map((r) => r.path),
      undefined,
      config.intensity,
      signal,
    );
  } catch (error) {
    await pool.close();
    throw error;
  }
  const trainSlots = train.map((_, i) => i);
  return {
    pool,
    train: { slots: trainSlots, labels: trainLabels, records: train },
    val: { slots: val.map((_, i) => train.length + i), labels: val.map((r) => binaryLabel(r, config.positiveClass)), records: val },
    norm: inferenceNormalisation(fitNormalisation(pool.bytes, config.imageSize, trainSlots), config),
  };
}

/** The fitted mean/std plus the per-image steps prediction must repeat; defaults are left out so old models read the same. */
function inferenceNormalisation(fitted: Normalisation, config: TrainConfig): Normalisation {
  return {
    ...fitted,
    ...(config.intensity !== 'none' ? { intensity: config.intensity } : {}),
    ...(config.tta > 1 ? { tta: config.tta } : {}),
  };
}
