import { tieGroups } from './metrics.js';
import type { Prediction } from './predictions.js';

/** `threshold: null` marks the start point "above every score" (nothing predicted positive). */
export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number | null;
}
export interface PrPoint {
  recall: number;
  precision: number;
  threshold: number | null;
}

/** One point per distinct score (ties form one diagonal step). Empty when either class is absent. */
export function rocCurve(predictions: readonly Prediction[]): RocPoint[] {
  const groups = tieGroups(predictions);
  const pos = groups.reduce((s, g) => s + g.pos, 0);
  const neg = groups.reduce((s, g) => s + g.neg, 0);
  if (pos === 0 || neg === 0) return [];
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: null }];
  let tp = 0;
  let fp = 0;
  for (const g of groups) {
    tp += g.pos;
    fp += g.neg;
    points.push({ fpr: fp / neg, tpr: tp / pos, threshold: g.prob });
  }
  return points;
}

/**
 * One point per distinct score, starting at (recall 0, precision 1) as scikit-learn does. Drawn as a
 * step that takes each point's precision over the recall interval ending at it, which is exactly the
 * area average precision measures. Empty when there are no positives.
 */
export function prCurve(predictions: readonly Prediction[]): PrPoint[] {
  const groups = tieGroups(predictions);
  const pos = groups.reduce((s, g) => s + g.pos, 0);
  if (pos === 0) return [];
  const points: PrPoint[] = [{ recall: 0, precision: 1, threshold: null }];
  let tp = 0;
  let fp = 0;
  for (const g of groups) {
    tp += g.pos;
    fp += g.neg;
    points.push({ recall: tp / pos, precision: tp / (tp + fp), threshold: g.prob });
  }
  return points;
}
