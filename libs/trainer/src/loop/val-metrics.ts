import { computeMetrics, type Prediction } from '@leakproof/evaluator';

export interface EpochMetrics {
  loss: number;
  val_loss: number;
  val_accuracy: number;
  val_precision: number;
  val_recall: number;
  val_auc: number;
  /** calibration of the (prior-corrected) validation probabilities */
  val_brier: number;
  val_ece: number;
  lr: number;
  images_per_second: number;
}

export type ValidationMetrics = Pick<EpochMetrics, 'val_loss' | 'val_accuracy' | 'val_precision' | 'val_recall' | 'val_auc' | 'val_brier' | 'val_ece'>;

/** Unweighted mean BCE plus the evaluator's metrics at threshold 0.5 (the real threshold is chosen after training). */
export function validationMetrics(probs: ArrayLike<number>, records: readonly { path: string; patient: string }[], labels: readonly (0 | 1)[]): ValidationMetrics {
  const n = labels.length;
  let loss = 0;
  const rows: Prediction[] = [];
  for (let i = 0; i < n; i++) {
    const prob = Math.min(Math.max(probs[i]!, 0), 1);
    const clipped = Math.min(Math.max(prob, 1e-7), 1 - 1e-7);
    const y = labels[i]!;
    loss -= y * Math.log(clipped) + (1 - y) * Math.log(1 - clipped);
    rows.push({ path: records[i]!.path, patient: records[i]!.patient, label: y, prob });
  }
  const m = computeMetrics(rows, 0.5);
  return {
    val_loss: n === 0 ? NaN : loss / n,
    val_accuracy: m.accuracy,
    val_precision: m.precision,
    val_recall: m.recall,
    val_auc: m.rocAuc,
    val_brier: m.brier,
    val_ece: m.ece,
  };
}

/** Whether `value` beats `best` for the early-stopping metric (loss: lower is better). */
export function improves(metric: 'val_loss' | 'val_auc' | 'val_accuracy', value: number, best: number | null): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return metric === 'val_loss' ? value < best - 1e-6 : value > best + 1e-6;
}
