import { describe, expect, it } from 'vitest';
import { EvaluationInputError } from './predictions.js';
import { preds } from './test-fixtures.js';
import { chooseThreshold, DEFAULT_THRESHOLD_RULE, thresholdChoiceSchema } from './threshold.js';

// ten positives scored 0.1..1.0 and five negatives scored 0.05..0.45
const positives = Array.from({ length: 10 }, (_, i) => [1, Math.round((i + 1) * 10) / 100] as const);
const negatives = Array.from({ length: 5 }, (_, i) => [0, Math.round((i * 10 + 5)) / 100] as const);
const val = preds([...positives, ...negatives]);

describe('chooseThreshold', () => {
  it('fixed defaults to 0.5 and records the value given', () => {
    expect(chooseThreshold(val, 'fixed')).toMatchObject({ rule: 'fixed', value: 0.5 });
    expect(chooseThreshold(val, { rule: 'fixed', value: 0.3 })).toMatchObject({ rule: 'fixed', value: 0.3 });
  });

  it('target-recall takes the highest threshold whose validation recall still reaches the target', () => {
    const t90 = chooseThreshold(val, { rule: 'target-recall', target: 0.9 });
    expect(t90).toMatchObject({ rule: 'target-recall', target: 0.9, value: 0.2 });
    expect(t90.validation?.recall).toBe(0.9);
    expect(chooseThreshold(val, { rule: 'target-recall', target: 0.95 }).value).toBe(0.1);
    // 0.7 × 10 is 7.000000000000001 in floating point; still needs exactly 7 positives
    expect(chooseThreshold(val, { rule: 'target-recall', target: 0.7 }).value).toBe(0.4);
  });

  it('target-recall includes every positive tied at the chosen score', () => {
    const tied = preds([[1, 0.9], [1, 0.5], [1, 0.5], [1, 0.5], [0, 0.5], [0, 0.1]]);
    const t = chooseThreshold(tied, { rule: 'target-recall', target: 0.5 });
    expect(t.value).toBe(0.5);
    expect(t.validation?.recall).toBe(1);
  });

  it('max-f1 finds the F1 optimum and prefers the higher threshold on ties', () => {
    // at 0.7: tp 2 fp 0 fn 1 → F1 0.8; at 0.4: tp 3 fp 1 → 0.857; at 0.2: tp 3 fp 2 → 0.75
    const rows = preds([[1, 0.9], [1, 0.7], [0, 0.5], [1, 0.4], [0, 0.2], [0, 0.1]]);
    const t = chooseThreshold(rows, 'max-f1');
    expect(t).toMatchObject({ rule: 'max-f1', value: 0.4 });
    expect(t.validation?.f1).toBeCloseTo(6 / 7, 12);
    // two thresholds with F1 = 2/3 (0.8: tp1 fn1; 0.3: tp2 fp2) → keep the higher one
    const flat = preds([[1, 0.8], [0, 0.6], [0, 0.5], [1, 0.3]]);
    expect(chooseThreshold(flat, 'max-f1').value).toBe(0.8);
  });

  it('falls back to 0.5 with a note when validation has no positives, and never throws for it', () => {
    const noPos = preds([[0, 0.2], [0, 0.7]]);
    const f1 = chooseThreshold(noPos, 'max-f1');
    expect(f1).toMatchObject({ rule: 'max-f1', value: 0.5 });
    expect(f1.note).toMatch(/no positive/);
    expect(chooseThreshold([], DEFAULT_THRESHOLD_RULE).note).toMatch(/fell back/);
  });

  it('defaults to target-recall and returns data the schema accepts', () => {
    const t = chooseThreshold(val);
    expect(t.rule).toBe('target-recall');
    expect(thresholdChoiceSchema.parse(JSON.parse(JSON.stringify(t)))).toEqual(t);
  });

  it('rejects malformed rules and predictions with a message naming the field', () => {
    expect(() => chooseThreshold(val, { rule: 'target-recall', target: 1.5 })).toThrow(EvaluationInputError);
    expect(() => chooseThreshold(val, { rule: 'target-recall', target: 1.5 })).toThrow(/target/);
    expect(() => chooseThreshold(val, 'best' as never)).toThrow(/rule/);
    expect(() => chooseThreshold([{ path: 'a', patient: 'p', label: 1, prob: 1.2 }], 'max-f1')).toThrow(/\[0\] \(a\): field 'prob'/);
  });
});
