/* eslint-disable @typescript-eslint/no-non-null-assertion -- hot loops over typed arrays indexed within their lengths; noUncheckedIndexedAccess cannot see that */
import { calibrationBin, metricNames, thresholdMetrics, type MetricName, type MetricValues } from './metrics.js';
import type { Prediction } from './predictions.js';
import { mulberry32 } from '@leakproof/core';

/**
 * Cluster bootstrap by patient: each replicate draws as many patients as there are, uniformly with
 * replacement, and every image of a drawn patient comes along (a patient drawn k times counts k times).
 * Images of one patient are correlated, so resampling images would understate the interval width.
 *
 * Speed: everything that does not depend on the draw is precomputed once, so a replicate is a weighted
 * pass over per-patient counts (threshold metrics, Brier, ECE) and one pass over the images in a fixed
 * sorted order (ROC-AUC, average precision): O(images + patients), no sorting per replicate.
 */
export interface BootstrapOptions {
  /** Number of replicates; default 1000. 0 disables intervals (lo/hi become NaN). */
  replicates?: number;
  /** Seed for the mulberry32 generator; default 1. The same seed and data give identical intervals. */
  seed?: number;
  /** Central interval coverage; default 0.95 (percentiles 2.5 and 97.5). */
  level?: number;
}

export const DEFAULT_BOOTSTRAP = { replicates: 1000, seed: 1, level: 0.95 } as const;

export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

export interface BootstrapResult {
  intervals: Record<MetricName, Interval>;
  /** Replicates in which a metric was undefined (e.g. no positives drawn); those are left out of its interval. */
  undefinedReplicates: Record<MetricName, number>;
}

/** Data rearranged once for fast weighted evaluation. Weights are per patient. */
export interface PreparedPredictions {
  patients: string[];
  /** Per patient counts at the threshold. */
  tp: Float64Array;
  fp: Float64Array;
  tn: Float64Array;
  fn: Float64Array;
  sqErr: Float64Array;
  /** Images in descending prob order: owning patient, label, and whether the next image has a lower prob. */
  sortedPatient: Int32Array;
  sortedLabel: Uint8Array;
  endsTieGroup: Uint8Array;
  /** Sparse per-patient calibration contributions: one entry per (patient, bin) that has images. */
  binPatient: Int32Array;
  binIndex: Int32Array;
  binCount: Float64Array;
  binSumProb: Float64Array;
  binSumLabel: Float64Array;
  bins: number;
}

export function preparePredictions(predictions: readonly Prediction[], threshold: number, bins: number): PreparedPredictions {
  const patientIndex = new Map<string, number>();
  for (const p of predictions) if (!patientIndex.has(p.patient)) patientIndex.set(p.patient, patientIndex.size);
  const nPatients = patientIndex.size;
  const tp = new Float64Array(nPatients);
  const fp = new Float64Array(nPatients);
  const tn = new Float64Array(nPatients);
  const fn = new Float64Array(nPatients);
  const sqErr = new Float64Array(nPatients);
  const binCells = new Map<number, { patient: number; bin: number; count: number; sumProb: number; sumLabel: number }>();
  for (const p of predictions) {
    const i = patientIndex.get(p.patient)!;
    const predicted = p.prob >= threshold;
    if (p.label === 1) (predicted ? tp : fn)[i]! += 1;
    else (predicted ? fp : tn)[i]! += 1;
    sqErr[i]! += (p.prob - p.label) ** 2;
    const bin = calibrationBin(p.prob, bins);
    const key = i * bins + bin;
    const cell = binCells.get(key) ?? { patient: i, bin, count: 0, sumProb: 0, sumLabel: 0 };
    cell.count += 1;
    cell.sumProb += p.prob;
    cell.sumLabel += p.label;
    binCells.set(key, cell);
  }
  const sorted = [...predictions].sort((a, b) => b.prob - a.prob);
  const cells = [...binCells.values()];
  return {
    patients: [...patientIndex.keys()],
    tp,
    fp,
    tn,
    fn,
    sqErr,
    sortedPatient: Int32Array.from(sorted, (p) => patientIndex.get(p.patient)!),
    sortedLabel: Uint8Array.from(sorted, (p) => p.label),
    endsTieGroup: Uint8Array.from(sorted, (p, k) => (k === sorted.length - 1 || sorted[k + 1]!.prob !== p.prob ? 1 : 0)),
    binPatient: Int32Array.from(cells, (c) => c.patient),
    binIndex: Int32Array.from(cells, (c) => c.bin),
    binCount: Float64Array.from(cells, (c) => c.count),
    binSumProb: Float64Array.from(cells, (c) => c.sumProb),
    binSumLabel: Float64Array.from(cells, (c) => c.sumLabel),
    bins,
  };
}

/** All metrics with each patient counted `weights[patient]` times (weights of 1 give the point estimate). */
export function weightedMetrics(data: PreparedPredictions, weights: Float64Array): MetricValues {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  let sqErr = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    tp += w * data.tp[i]!;
    fp += w * data.fp[i]!;
    tn += w * data.tn[i]!;
    fn += w * data.fn[i]!;
    sqErr += w * data.sqErr[i]!;
  }
  const n = tp + fp + tn + fn;
  const totalPos = tp + fn;
  const totalNeg = fp + tn;

  // ROC-AUC (Mann–Whitney with half credit for ties) and average precision in one descending pass.
  let posAbove = 0;
  let negAbove = 0;
  let groupPos = 0;
  let groupNeg = 0;
  let wins = 0;
  let ap = 0;
  const { sortedPatient, sortedLabel, endsTieGroup } = data;
  for (let k = 0; k < sortedPatient.length; k++) {
    const w = weights[sortedPatient[k]!]!;
    if (sortedLabel[k] === 1) groupPos += w;
    else groupNeg += w;
    if (endsTieGroup[k] === 1) {
      wins += groupNeg * (posAbove + 0.5 * groupPos);
      posAbove += groupPos;
      negAbove += groupNeg;
      if (groupPos > 0) ap += (groupPos / totalPos) * (posAbove / (posAbove + negAbove));
      groupPos = 0;
      groupNeg = 0;
    }
  }

  const binCount = new Float64Array(data.bins);
  const binGap = new Float64Array(data.bins);
  for (let c = 0; c < data.binPatient.length; c++) {
    const w = weights[data.binPatient[c]!]!;
    if (w === 0) continue;
    const b = data.binIndex[c]!;
    binCount[b]! += w * data.binCount[c]!;
    binGap[b]! += w * (data.binSumProb[c]! - data.binSumLabel[c]!);
  }
  let ece = 0;
  for (let b = 0; b < data.bins; b++) ece += Math.abs(binGap[b]!); // |Σ(prob − label)| = n_b · |mean prob − fraction positive|

  return {
    ...thresholdMetrics({ tp, fp, tn, fn }),
    rocAuc: totalPos > 0 && totalNeg > 0 ? wins / (totalPos * totalNeg) : Number.NaN,
    prAuc: totalPos > 0 ? ap : Number.NaN,
    brier: n > 0 ? sqErr / n : Number.NaN,
    ece: n > 0 ? ece / n : Number.NaN,
  };
}

/** Linear-interpolated quantile (type 7, as numpy's default) of an ascending-sorted array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Point estimates plus percentile intervals from a patient-level bootstrap. */
export function bootstrapMetrics(
  predictions: readonly Prediction[],
  threshold: number,
  bins: number,
  options: BootstrapOptions = {},
): BootstrapResult {
  const replicates = Math.max(0, Math.floor(options.replicates ?? DEFAULT_BOOTSTRAP.replicates));
  const level = options.level ?? DEFAULT_BOOTSTRAP.level;
  const random = mulberry32(options.seed ?? DEFAULT_BOOTSTRAP.seed);
  const data = preparePredictions(predictions, threshold, bins);
  const nPatients = data.patients.length;
  const point = weightedMetrics(data, new Float64Array(nPatients).fill(1));

  const samples = Object.fromEntries(metricNames.map((m) => [m, new Float64Array(replicates)])) as Record<MetricName, Float64Array>;
  const defined = Object.fromEntries(metricNames.map((m) => [m, 0])) as Record<MetricName, number>;
  const weights = new Float64Array(nPatients);
  for (let r = 0; r < (nPatients > 0 ? replicates : 0); r++) {
    weights.fill(0);
    for (let d = 0; d < nPatients; d++) weights[Math.floor(random() * nPatients)]! += 1;
    const values = weightedMetrics(data, weights);
    for (const m of metricNames) {
      const v = values[m];
      if (!Number.isNaN(v)) samples[m][defined[m]++] = v;
    }
  }

  const alpha = (1 - level) / 2;
  const intervals = {} as Record<MetricName, Interval>;
  const undefinedReplicates = {} as Record<MetricName, number>;
  for (const m of metricNames) {
    const kept = samples[m].subarray(0, defined[m]).sort();
    intervals[m] = { value: point[m], lo: quantileSorted(kept, alpha), hi: quantileSorted(kept, 1 - alpha) };
    undefinedReplicates[m] = (nPatients > 0 ? replicates : 0) - defined[m];
  }
  return { intervals, undefinedReplicates };
}
