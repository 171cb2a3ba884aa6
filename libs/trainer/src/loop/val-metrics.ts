export interface EpochMetrics {
  loss: number;
  val_loss: number;
  val_accuracy: number;
  val_precision: number;
  val_recall: number;
  val_auc: number;
  lr: number;
  images_per_second: number;
}

/** Unweighted mean BCE and threshold-0.5 metrics plus ROC-AUC (Mann–Whitney with ties) on validation. */
export function validationMetrics(probs: ArrayLike<number>, labels: ArrayLike<number>): Pick<EpochMetrics, 'val_loss' | 'val_accuracy' | 'val_precision' | 'val_recall' | 'val_auc'> {
  const n = labels.length;
  let loss = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probs[i]!, 1e-7), 1 - 1e-7);
    const y = labels[i]!;
    loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    const predicted = probs[i]! >= 0.5;
    if (predicted && y === 1) tp++;
    else if (predicted) fp++;
    else if (y === 1) fn++;
    else tn++;
  }
  return {
    val_loss: n === 0 ? NaN : loss / n,
    val_accuracy: n === 0 ? NaN : (tp + tn) / n,
    val_precision: tp + fp === 0 ? NaN : tp / (tp + fp),
    val_recall: tp + fn === 0 ? NaN : tp / (tp + fn),
    val_auc: rocAuc(probs, labels),
  };
}

export function rocAuc(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]!);
  let rankSumPos = 0;
  let positives = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && probs[order[j + 1]!] === probs[order[i]!]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        rankSumPos += midRank;
        positives++;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSumPos - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Whether `value` beats `best` for the early-stopping metric (loss: lower is better). */
export function improves(metric: 'val_loss' | 'val_auc' | 'val_accuracy', value: number, best: number | null): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return metric === 'val_loss' ? value < best - 1e-6 : value > best + 1e-6;
}
