import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { EvaluationInputError } from './predictions.js';
import { evaluationReportSchema } from './report-schema.js';
import { preds, randomPredictions } from './test-fixtures.js';
import { chooseThreshold } from './threshold.js';

describe('evaluate', () => {
  const rows = randomPredictions(21, 120);

  it('produces a versioned, JSON-round-trippable report with both levels', () => {
    const threshold = chooseThreshold(randomPredictions(22, 80), 'max-f1');
    const report = evaluate({ predictions: rows, threshold: threshold.value, thresholdRule: threshold, bootstrap: { replicates: 200, seed: 5 } });
    expect(report.schemaVersion).toBe(1);
    expect(report.threshold).toEqual(threshold);
    expect(report.bootstrap).toEqual({ unit: 'patient', method: 'percentile', replicates: 200, seed: 5, level: 0.95 });
    expect(report.image.n).toBe(rows.length);
    expect(report.patient.n).toBe(120);
    expect(report.image.patients).toBe(120);
    expect(report.image.curves.roc.length).toBeGreaterThan(2);
    expect(report.image.curves.calibration).toHaveLength(10);
    expect(evaluationReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
  });

  it('scores a patient positive when any image is positive, by its highest probability', () => {
    const report = evaluate({
      predictions: preds([
        [0, 0.2, 'a'],
        [1, 0.7, 'a'],
        [0, 0.1, 'b'],
        [0, 0.6, 'b'],
        [0, 0.3, 'c'],
      ]),
      threshold: 0.5,
      bootstrap: { replicates: 0 },
    });
    expect(report.image.confusion).toEqual({ tp: 1, fp: 1, tn: 3, fn: 0 });
    expect(report.patient.confusion).toEqual({ tp: 1, fp: 1, tn: 1, fn: 0 });
    expect(report.patient.positives).toBe(1);
    expect(report.threshold).toEqual({ rule: 'fixed', value: 0.5 });
    expect(report.image.metrics.accuracy).toEqual({ value: 0.8, lo: null, hi: null });
  });

  it('is deterministic for a seed', () => {
    const a = evaluate({ predictions: rows, threshold: 0.5, bootstrap: { replicates: 100, seed: 9 } });
    const b = evaluate({ predictions: rows, threshold: 0.5, bootstrap: { replicates: 100, seed: 9 } });
    expect(a).toEqual(b);
  });

  it('reports null, never throws, on degenerate data', () => {
    const empty = evaluate({ predictions: [], threshold: 0.5, bootstrap: { replicates: 20 } });
    expect(empty.image.n).toBe(0);
    expect(empty.image.metrics.rocAuc).toEqual({ value: null, lo: null, hi: null });
    expect(empty.image.curves.roc).toEqual([]);
    const onlyPositive = evaluate({ predictions: preds([[1, 0.9], [1, 0.3]]), threshold: 0.5, bootstrap: { replicates: 20 } });
    expect(onlyPositive.image.metrics.rocAuc.value).toBeNull();
    expect(onlyPositive.image.metrics.specificity.value).toBeNull();
    expect(onlyPositive.image.metrics.recall.value).toBe(0.5);
    expect(onlyPositive.image.metrics.prAuc.value).toBe(1);
    expect(() => JSON.stringify(onlyPositive)).not.toThrow();
  });

  it('rejects malformed input with a message naming the field', () => {
    expect(() => evaluate({ predictions: [{ path: 'x.png', patient: 'p', label: 2 as 1, prob: 0.5 }], threshold: 0.5 })).toThrow(/field 'label'/);
    expect(() => evaluate({ predictions: rows, threshold: Number.NaN })).toThrow(EvaluationInputError);
    expect(() => evaluate({ predictions: rows, threshold: 0.4, thresholdRule: { rule: 'fixed', value: 0.5 } })).toThrow(/differs/);
    expect(() => evaluate({ predictions: rows, threshold: 0.5, bootstrap: { replicates: -1 } })).toThrow(/replicates/);
    const dup = preds([[1, 0.5], [0, 0.5]]).map((r) => ({ ...r, path: 'same.png' }));
    expect(() => evaluate({ predictions: dup, threshold: 0.5 })).toThrow(/more than once/);
  });
});
