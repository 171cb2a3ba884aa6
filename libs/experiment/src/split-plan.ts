import { carveByPatient, type ImageRecord } from '@leakproof/ingest';
import { UsageError } from '@leakproof/core';
import type { ExperimentConfig } from './experiment-config.js';

export interface SplitPlan {
  /** the dataset's images with split names as training uses them: train, val, test (others untouched) */
  images: ImageRecord[];
  valCarved: boolean;
  testCarved: boolean;
  notes: string[];
}

const labelsOf = (images: ImageRecord[]) => new Set(images.map((i) => i.label));

/**
 * Kaggle-style datasets ship a useless validation split (Kermany's `val` has 16 images) and sometimes no
 * test split. Validation is carved from train by patient, stratified and seeded; a too-small val is folded
 * back into train first so none of its patients is lost; a missing test becomes a carved held-out part.
 */
export function planSplits(all: ImageRecord[], cfg: ExperimentConfig): SplitPlan {
  const s = cfg.splits;
  const notes: string[] = [];
  let images = all.map((i) => ({ ...i }));
  if (!images.some((i) => i.split === s.train)) {
    const present = [...new Set(images.map((i) => i.split))].join(', ') || 'none';
    throw new UsageError(`the dataset has no '${s.train}' split (splits found: ${present})`, `name the training split with splits.train in the config`);
  }
  if (s.val !== 'val' || s.test !== 'test' || s.train !== 'train') {
    images = images.map((i) => ({ ...i, split: i.split === s.train ? 'train' : i.split === s.val ? 'val' : i.split === s.test ? 'test' : i.split }));
  }
  let testCarved = false;
  if (!images.some((i) => i.split === 'test')) {
    images = carveByPatient(images, { fraction: s.heldOutFraction, seed: s.seed + 1, stratify: true, fromSplit: 'train', newSplit: 'test' });
    testCarved = true;
    notes.push(`no test split: carved a held-out part of ${count(images, 'test')} images by patient from train (fraction ${s.heldOutFraction}, seed ${s.seed + 1})`);
  }
  const val = images.filter((i) => i.split === 'val');
  let valCarved = false;
  if (val.length < s.minValImages || labelsOf(val).size < 2) {
    if (val.length > 0) {
      images = images.map((i) => (i.split === 'val' ? { ...i, split: 'train' } : i));
      notes.push(`the '${s.val}' split has ${val.length} images (< ${s.minValImages}): folded into train before carving validation`);
    }
    images = carveByPatient(images, { fraction: s.valFraction, seed: s.seed, stratify: true, fromSplit: 'train', newSplit: 'val' });
    valCarved = true;
    notes.push(`carved validation: ${count(images, 'val')} images by patient from train (fraction ${s.valFraction}, seed ${s.seed}, stratified by label)`);
  }
  for (const split of ['train', 'val', 'test']) {
    if (labelsOf(images.filter((i) => i.split === split)).size < 2) {
      throw new UsageError(`split '${split}' has fewer than two classes after planning`, 'add images of both classes or change splits.* in the config');
    }
  }
  return { images, valCarved, testCarved, notes };
}

function count(images: ImageRecord[], split: string): number {
  return images.filter((i) => i.split === split).length;
}
