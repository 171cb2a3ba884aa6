import { describe, expect, it } from 'vitest';
import { improves, validationMetrics } from './val-metrics.js';
import { priorLogitBias } from './train-step.js';

const records = [0, 1, 2, 3].map((i) => ({ path: `x${i}.png`, patient: `p${i}` }));

describe('validation metrics', () => {
  it('computes loss, threshold-0.5 metrics and AUC', () => {
    const m = validationMetrics([0.9, 0.6, 0.4, 0.1], records, [1, 0, 1, 0]);
    expect(m.val_accuracy).toBeCloseTo(0.5);
    expect(m.val_precision).toBeCloseTo(0.5);
    expect(m.val_recall).toBeCloseTo(0.5);
    expect(m.val_auc).toBeCloseTo(0.75);
    expect(m.val_loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.4) + Math.log(0.9)) / 4, 6);
  });

  it('early stopping direction depends on the metric', () => {
    expect(improves('val_loss', 0.2, 0.3)).toBe(true);
    expect(improves('val_auc', 0.2, 0.3)).toBe(false);
    expect(improves('val_auc', NaN, null)).toBe(false);
  });

  it('prior correction undoes class reweighting: log(n_pos / n_neg), none without reweighting', () => {
    expect(priorLogitBias('weights', [1, 1, 1, 0])).toBeCloseTo(Math.log(3));
    expect(priorLogitBias('balanced-sampling', [1, 0])).toBe(0);
    expect(priorLogitBias('none', [1, 1, 1, 0])).toBe(0);
  });
});
