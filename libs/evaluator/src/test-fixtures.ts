import type { Prediction } from './predictions.js';
import { mulberry32 } from '@leakproof/core';

/** Builds predictions from [label, prob] pairs, one image per patient unless `patient` is given. */
export function preds(rows: readonly (readonly [0 | 1, number, string?])[]): Prediction[] {
  return rows.map(([label, prob, patient], i) => ({ path: `img${i}.png`, patient: patient ?? `p${i}`, label, prob }));
}

/**
 * Seeded synthetic predictions: patients with 1..maxImages images sharing a label, probabilities
 * separated by class with noise, rounded to `decimals` so ties occur.
 */
export function randomPredictions(seed: number, patients: number, options: { maxImages?: number; decimals?: number; positiveRate?: number } = {}): Prediction[] {
  const random = mulberry32(seed);
  const maxImages = options.maxImages ?? 4;
  const scale = 10 ** (options.decimals ?? 2);
  const out: Prediction[] = [];
  for (let p = 0; p < patients; p++) {
    const label: 0 | 1 = random() < (options.positiveRate ?? 0.6) ? 1 : 0;
    const images = 1 + Math.floor(random() * maxImages);
    for (let i = 0; i < images; i++) {
      const raw = (label === 1 ? 0.65 : 0.35) + (random() - 0.5) * 0.9;
      out.push({ path: `p${p}/img${i}.png`, patient: `p${p}`, label, prob: Math.round(Math.min(1, Math.max(0, raw)) * scale) / scale });
    }
  }
  return out;
}
