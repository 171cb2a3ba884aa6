import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  brierScore,
  computeMetrics,
  confusionMatrix,
  expectedCalibrationError,
  metricNames,
  reliabilityBins,
  rocAuc,
  thresholdMetrics,
} from './metrics.js';
import { prCurve, rocCurve } from './curves.js';
import { preds, randomPredictions } from './test-fixtures.js';
import type { Prediction } from './predictions.js';

// positives 0.9, 0.6, 0.4; negatives 0.8, 0.3, 0.1
const small = preds([
  [1, 0.9],
  [0, 0.8],
  [1, 0.6],
  [1, 0.4],
  [0, 0.3],
  [0, 0.1],
]);

describe('threshold metrics', () => {
  it('match hand-computed values at threshold 0.35', () => {
    const cm = confusionMatrix(small, 0.35);
    expect(cm).toEqual({ tp: 3, fp: 1, tn: 2, fn: 0 });
    const m = thresholdMetrics(cm);
    expect(m.accuracy).toBeCloseTo(5 / 6, 12);
    expect(m.precision).toBeCloseTo(3 / 4, 12);
    expect(m.recall).toBe(1);
    expect(m.specificity).toBeCloseTo(2 / 3, 12);
    expect(m.npv).toBe(1);
    expect(m.f1).toBeCloseTo(6 / 7, 12);
  });

  it('treat prob equal to the threshold as positive', () => {
    expect(confusionMatrix(small, 0.6)).toEqual({ tp: 2, fp: 1, tn: 2, fn: 1 });
  });

  it('are NaN, not exceptions, when their denominator is empty', () => {
    const none = thresholdMetrics({ tp: 0, fp: 0, tn: 0, fn: 0 });
    for (const v of Object.values(none)) expect(v).toBeNaN();
    const neverFires = thresholdMetrics({ tp: 0, fp: 0, tn: 5, fn: 3 });
    expect(neverFires.precision).toBeNaN();
    expect(neverFires.f1).toBe(0);
    expect(neverFires.recall).toBe(0);
    const noPositives = thresholdMetrics({ tp: 0, fp: 2, tn: 5, fn: 0 });
    expect(noPositives.recall).toBeNaN();
    expect(noPositives.f1).toBe(0);
    expect(noPositives.specificity).toBeCloseTo(5 / 7, 12);
  });
});

/** O(pos × neg) definition of ROC-AUC. */
function bruteForceAuc(rows: readonly Prediction[]): number {
  const pos = rows.filter((r) => r.label === 1);
  const neg = rows.filter((r) => r.label === 0);
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p.prob > n.prob ? 1 : p.prob === n.prob ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** AP as the mean, over positives, of the precision at that positive's score (all scores ≥ it predicted positive). */
function bruteForceAp(rows: readonly Prediction[]): number {
  const pos = rows.filter((r) => r.label === 1);
  let sum = 0;
  for (const p of pos) {
    const above = rows.filter((r) => r.prob >= p.prob);
    sum += above.filter((r) => r.label === 1).length / above.length;
  }
  return sum / pos.length;
}

describe('ROC-AUC', () => {
  it('matches the hand count 7/9', () => expect(rocAuc(small)).toBeCloseTo(7 / 9, 12));

  it('gives ties half credit', () => {
    expect(rocAuc(preds([[1, 0.5], [1, 0.7], [0, 0.5], [0, 0.2]]))).toBeCloseTo(3.5 / 4, 12);
    expect(rocAuc(preds([[1, 0.5], [0, 0.5]]))).toBe(0.5);
  });

  it('equals the brute-force pairwise count on random data with ties', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rows = randomPredictions(seed, 120, { decimals: 1 });
      expect(rocAuc(rows)).toBeCloseTo(bruteForceAuc(rows), 12);
    }
  });

  it('is NaN with one class', () => {
    expect(rocAuc(preds([[1, 0.2], [1, 0.9]]))).toBeNaN();
    expect(rocAuc([])).toBeNaN();
  });
});

describe('PR-AUC (average precision)', () => {
  it('matches the hand value 29/36', () => expect(averagePrecision(small)).toBeCloseTo(29 / 36, 12));

  it('counts a tie group as one step, not an optimistic interpolation', () => {
    expect(averagePrecision(preds([[1, 0.5], [0, 0.5], [1, 0.5], [0, 0.5]]))).toBe(0.5);
  });

  it('equals the mean precision at each positive on random data', () => {
    for (const seed of [11, 12, 13]) {
      const rows = randomPredictions(seed, 100, { decimals: 1 });
      expect(averagePrecision(rows)).toBeCloseTo(bruteForceAp(rows), 12);
    }
  });

  it('is NaN without positives, defined without negatives', () => {
    expect(averagePrecision(preds([[0, 0.2]]))).toBeNaN();
    expect(averagePrecision(preds([[1, 0.2], [1, 0.3]]))).toBe(1);
  });
});

describe('calibration', () => {
  it('Brier is the mean squared error', () => {
    expect(brierScore(preds([[1, 1], [1, 0]]))).toBe(0.5);
    expect(brierScore(preds([[0, 0.2], [1, 0.6]]))).toBeCloseTo((0.04 + 0.16) / 2, 12);
  });

  it('ECE weights each bin gap by its share of images', () => {
    expect(expectedCalibrationError(preds([[0, 0.05], [1, 0.15]]))).toBeCloseTo(0.5 * 0.05 + 0.5 * 0.85, 12);
    expect(expectedCalibrationError(preds([[1, 0.95], [0, 0.95]]))).toBeCloseTo(0.45, 12);
  });

  it('puts prob 1 in the last bin and reports empty bins as null', () => {
    const bins = reliabilityBins(preds([[1, 1], [0, 0]]), 10);
    expect(bins).toHaveLength(10);
    expect(bins[9]).toMatchObject({ count: 1, meanPredicted: 1, fractionPositive: 1 });
    expect(bins[0]).toMatchObject({ count: 1, meanPredicted: 0, fractionPositive: 0 });
    expect(bins[5]).toMatchObject({ count: 0, meanPredicted: null, fractionPositive: null });
  });
});

describe('curves', () => {
  it('ROC steps once per distinct score, from (0,0) to (1,1)', () => {
    const roc = rocCurve(small);
    expect(roc).toHaveLength(7);
    expect(roc[0]).toEqual({ fpr: 0, tpr: 0, threshold: null });
    expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1, threshold: 0.1 });
    expect(roc[2]).toMatchObject({ fpr: 1 / 3, tpr: 1 / 3, threshold: 0.8 });
  });

  it('PR starts at (0, 1) and ends at full recall', () => {
    const pr = prCurve(small);
    expect(pr[0]).toEqual({ recall: 0, precision: 1, threshold: null });
    expect(pr.at(-1)).toMatchObject({ recall: 1, precision: 0.5 });
  });

  it('are empty when a needed class is absent', () => {
    expect(rocCurve(preds([[1, 0.3]]))).toEqual([]);
    expect(prCurve(preds([[0, 0.3]]))).toEqual([]);
  });
});

describe('computeMetrics on degenerate input', () => {
  it('returns NaN for everything on an empty set without throwing', () => {
    const m = computeMetrics([], 0.5);
    for (const name of metricNames) expect(m[name]).toBeNaN();
  });
});
