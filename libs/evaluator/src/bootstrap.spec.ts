import { describe, expect, it } from 'vitest';
import { bootstrapMetrics, preparePredictions, quantileSorted, weightedMetrics } from './bootstrap.js';
import { computeMetrics, metricNames, type MetricValues } from './metrics.js';
import type { Prediction } from './predictions.js';
import { mulberry32 } from '@leakproof/core';
import { randomPredictions } from './test-fixtures.js';

const expectMetricsClose = (a: MetricValues, b: MetricValues) => {
  for (const m of metricNames) {
    if (Number.isNaN(b[m])) expect(a[m], m).toBeNaN();
    else expect(a[m], m).toBeCloseTo(b[m], 10);
  }
};

describe('weighted metrics (the bootstrap kernel)', () => {
  it('with unit weights equal the direct computation', () => {
    for (const seed of [1, 2, 3]) {
      const rows = randomPredictions(seed, 80);
      const data = preparePredictions(rows, 0.5, 10);
      expectMetricsClose(weightedMetrics(data, new Float64Array(data.patients.length).fill(1)), computeMetrics(rows, 0.5));
    }
  });

  it('with integer patient weights equal the direct computation on the materialised resample', () => {
    const rows = randomPredictions(4, 60);
    const data = preparePredictions(rows, 0.45, 10);
    const random = mulberry32(99);
    for (let trial = 0; trial < 5; trial++) {
      const weights = new Float64Array(data.patients.length);
      for (let d = 0; d < weights.length; d++) {
        const k = Math.floor(random() * weights.length);
        weights[k] = (weights[k] ?? 0) + 1;
      }
      const resample: Prediction[] = [];
      data.patients.forEach((patient, i) => {
        for (let copy = 0; copy < (weights[i] ?? 0); copy++) {
          for (const r of rows) if (r.patient === patient) resample.push({ ...r, path: `${r.path}#${copy}` });
        }
      });
      expectMetricsClose(weightedMetrics(data, weights), computeMetrics(resample, 0.45));
    }
  });
});

describe('bootstrapMetrics', () => {
  const rows = randomPredictions(5, 150);

  it('is deterministic for a seed and changes with the seed', () => {
    const a = bootstrapMetrics(rows, 0.5, 10, { replicates: 200, seed: 7 });
    const b = bootstrapMetrics(rows, 0.5, 10, { replicates: 200, seed: 7 });
    const c = bootstrapMetrics(rows, 0.5, 10, { replicates: 200, seed: 8 });
    expect(a).toEqual(b);
    expect(a.intervals.rocAuc).not.toEqual(c.intervals.rocAuc);
  });

  it('brackets the point estimate', () => {
    const { intervals } = bootstrapMetrics(rows, 0.5, 10, { replicates: 300, seed: 1 });
    for (const m of metricNames) {
      expect(intervals[m].lo).toBeLessThanOrEqual(intervals[m].value + 1e-9);
      expect(intervals[m].hi).toBeGreaterThanOrEqual(intervals[m].value - 1e-9);
      expect(intervals[m].lo).toBeLessThan(intervals[m].hi);
    }
  });

  it('keeps a patient’s images together: k identical images per patient give the one-image-per-patient interval', () => {
    const onePerPatient = randomPredictions(6, 100, { maxImages: 1 });
    const replicated = onePerPatient.flatMap((r) => [0, 1, 2, 3, 4].map((k) => ({ ...r, path: `${r.path}#${k}` })));
    const single = bootstrapMetrics(onePerPatient, 0.5, 10, { replicates: 300, seed: 3 });
    const grouped = bootstrapMetrics(replicated, 0.5, 10, { replicates: 300, seed: 3 });
    for (const m of metricNames) {
      expect(grouped.intervals[m].lo, m).toBeCloseTo(single.intervals[m].lo, 10);
      expect(grouped.intervals[m].hi, m).toBeCloseTo(single.intervals[m].hi, 10);
    }
    // Resampling images independently (every image its own "patient") would pretend 5× the data:
    const naive = bootstrapMetrics(replicated.map((r) => ({ ...r, patient: r.path })), 0.5, 10, { replicates: 300, seed: 3 });
    const width = (i: { lo: number; hi: number }) => i.hi - i.lo;
    expect(width(grouped.intervals.rocAuc)).toBeGreaterThan(1.5 * width(naive.intervals.rocAuc));
    expect(width(grouped.intervals.accuracy)).toBeGreaterThan(1.5 * width(naive.intervals.accuracy));
  });

  it('counts and excludes replicates where a metric is undefined', () => {
    const rare: Prediction[] = Array.from({ length: 20 }, (_, i) => ({ path: `i${i}`, patient: `p${i}`, label: i === 0 ? 1 : 0, prob: i === 0 ? 0.9 : 0.1 * (i % 5) }));
    const { intervals, undefinedReplicates } = bootstrapMetrics(rare, 0.5, 10, { replicates: 500, seed: 2 });
    // P(patient 0 never drawn) = (19/20)^20 ≈ 0.36
    expect(undefinedReplicates.recall).toBeGreaterThan(100);
    expect(undefinedReplicates.recall).toBeLessThan(260);
    expect(undefinedReplicates.accuracy).toBe(0);
    expect(intervals.recall.lo).toBe(1);
  });

  it('returns NaN bounds (never throws) with no replicates or no data', () => {
    const off = bootstrapMetrics(rows, 0.5, 10, { replicates: 0 });
    expect(off.intervals.accuracy.value).toBeGreaterThan(0);
    expect(off.intervals.accuracy.lo).toBeNaN();
    const empty = bootstrapMetrics([], 0.5, 10, { replicates: 50 });
    for (const m of metricNames) expect(empty.intervals[m].value).toBeNaN();
  });

  it('runs 1000 replicates on ~1,000 images without sorting per replicate', () => {
    const big = randomPredictions(9, 400, { maxImages: 4, decimals: 3 });
    expect(big.length).toBeGreaterThan(900);
    const { intervals } = bootstrapMetrics(big, 0.5, 10, { replicates: 1000, seed: 1 });
    expect(intervals.rocAuc.hi).toBeGreaterThan(intervals.rocAuc.lo);
  });
});

describe('quantileSorted', () => {
  it('interpolates linearly (numpy default)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([10], 0.025)).toBe(10);
    expect(quantileSorted([], 0.5)).toBeNaN();
  });
});
