/* eslint-disable @typescript-eslint/no-non-null-assertion -- indices come from loops over the same arrays' lengths; noUncheckedIndexedAccess cannot see that */
import type { Prediction } from './predictions.js';

/**
 * Metric definitions shared by every level (image, patient) and by the bootstrap.
 *
 * Convention: an image is predicted positive when `prob >= threshold`.
 * Undefined metrics are NaN here (and `null` in the JSON report), never an exception:
 * - precision: no predicted positives; recall: no positives; specificity: no negatives;
 *   NPV: no predicted negatives; F1 = 2TP / (2TP + FP + FN): no positives and no predicted positives
 *   (when only precision is undefined, F1 is 0, the limit that penalises a model that never fires);
 * - ROC-AUC: needs both classes; PR-AUC: needs a positive; accuracy, Brier, ECE: need any row.
 */
export interface ConfusionMatrix {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

export const thresholdMetricNames = ['accuracy', 'precision', 'recall', 'specificity', 'npv', 'f1'] as const;
export const rankingMetricNames = ['rocAuc', 'prAuc', 'brier', 'ece'] as const;
export const metricNames = [...thresholdMetricNames, ...rankingMetricNames] as const;
export type ThresholdMetricName = (typeof thresholdMetricNames)[number];
export type MetricName = (typeof metricNames)[number];
export type MetricValues = Record<MetricName, number>;

/** Number of equal-width calibration bins on [0, 1] used by ECE and the reliability diagram. */
export const DEFAULT_CALIBRATION_BINS = 10;

const ratio = (num: number, den: number): number => (den > 0 ? num / den : Number.NaN);

export function confusionMatrix(predictions: readonly Prediction[], threshold: number): ConfusionMatrix {
  const cm: ConfusionMatrix = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (const p of predictions) {
    const predicted = p.prob >= threshold;
    if (p.label === 1) cm[predicted ? 'tp' : 'fn'] += 1;
    else cm[predicted ? 'fp' : 'tn'] += 1;
  }
  return cm;
}

/** Works on weighted (non-integer) counts too, which is how the bootstrap uses it. */
export function thresholdMetrics(cm: ConfusionMatrix): Record<ThresholdMetricName, number> {
  const { tp, fp, tn, fn } = cm;
  return {
    accuracy: ratio(tp + tn, tp + fp + tn + fn),
    precision: ratio(tp, tp + fp),
    recall: ratio(tp, tp + fn),
    specificity: ratio(tn, tn + fp),
    npv: ratio(tn, tn + fn),
    f1: ratio(2 * tp, 2 * tp + fp + fn),
  };
}

/** Sorted by descending probability; ties stay adjacent so callers can treat each tie group as one step. */
function byDescendingProb(predictions: readonly Prediction[]): Prediction[] {
  return [...predictions].sort((a, b) => b.prob - a.prob);
}

/** Groups of equal probability in descending order, with positive and negative counts per group. */
export function tieGroups(predictions: readonly Prediction[]): { prob: number; pos: number; neg: number }[] {
  const groups: { prob: number; pos: number; neg: number }[] = [];
  for (const p of byDescendingProb(predictions)) {
    let last = groups[groups.length - 1];
    if (!last || last.prob !== p.prob) {
      last = { prob: p.prob, pos: 0, neg: 0 };
      groups.push(last);
    }
    if (p.label === 1) last.pos++;
    else last.neg++;
  }
  return groups;
}

/**
 * Exact ROC-AUC = P(score of a random positive > score of a random negative) + ½ P(tie), i.e. the
 * Mann–Whitney U statistic divided by (#pos × #neg). O(n log n).
 */
export function rocAuc(predictions: readonly Prediction[]): number {
  let pos = 0;
  let neg = 0;
  let posAbove = 0;
  let wins = 0;
  for (const g of tieGroups(predictions)) {
    wins += g.neg * (posAbove + 0.5 * g.pos);
    posAbove += g.pos;
    pos += g.pos;
    neg += g.neg;
  }
  return pos > 0 && neg > 0 ? wins / (pos * neg) : Number.NaN;
}

/**
 * Average precision (PR-AUC) as a step function: Σ_k (R_k − R_{k−1}) · P_k over the distinct
 * thresholds k in descending order. Unlike trapezoidal interpolation between PR points it never credits
 * precision the model does not achieve (the scikit-learn `average_precision_score` definition).
 */
export function averagePrecision(predictions: readonly Prediction[]): number {
  const groups = tieGroups(predictions);
  const totalPos = groups.reduce((s, g) => s + g.pos, 0);
  if (totalPos === 0) return Number.NaN;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const g of groups) {
    tp += g.pos;
    fp += g.neg;
    if (g.pos > 0) ap += (g.pos / totalPos) * (tp / (tp + fp));
  }
  return ap;
}

/** Mean squared error of the probability against the 0/1 label. */
export function brierScore(predictions: readonly Prediction[]): number {
  let sum = 0;
  for (const p of predictions) sum += (p.prob - p.label) ** 2;
  return ratio(sum, predictions.length);
}

/** Bin index for equal-width bins on [0, 1]; the last bin is closed so prob = 1 lands in it. */
export function calibrationBin(prob: number, bins: number): number {
  return Math.min(bins - 1, Math.floor(prob * bins));
}

export interface ReliabilityBin {
  bin: number;
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number | null;
  fractionPositive: number | null;
}

/** Per-bin mean predicted probability vs observed positive fraction; empty bins report nulls. */
export function reliabilityBins(predictions: readonly Prediction[], bins = DEFAULT_CALIBRATION_BINS): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const sumProb = new Array<number>(bins).fill(0);
  const sumLabel = new Array<number>(bins).fill(0);
  for (const p of predictions) {
    const b = calibrationBin(p.prob, bins);
    count[b]! += 1;
    sumProb[b]! += p.prob;
    sumLabel[b]! += p.label;
  }
  return count.map((c, b) => ({
    bin: b,
    lower: b / bins,
    upper: (b + 1) / bins,
    count: c,
    meanPredicted: c > 0 ? sumProb[b]! / c : null,
    fractionPositive: c > 0 ? sumLabel[b]! / c : null,
  }));
}

/** Expected calibration error: Σ_b (n_b / N) · |mean prob_b − positive fraction_b| over equal-width bins. */
export function expectedCalibrationError(predictions: readonly Prediction[], bins = DEFAULT_CALIBRATION_BINS): number {
  if (predictions.length === 0) return Number.NaN;
  let ece = 0;
  for (const b of reliabilityBins(predictions, bins)) {
    if (b.count > 0) ece += (b.count / predictions.length) * Math.abs(b.meanPredicted! - b.fractionPositive!);
  }
  return ece;
}

/** All ten metrics at once for a set of predictions (no intervals). */
export function computeMetrics(predictions: readonly Prediction[], threshold: number, bins = DEFAULT_CALIBRATION_BINS): MetricValues {
  return {
    ...thresholdMetrics(confusionMatrix(predictions, threshold)),
    rocAuc: rocAuc(predictions),
    prAuc: averagePrecision(predictions),
    brier: brierScore(predictions),
    ece: expectedCalibrationError(predictions, bins),
  };
}
