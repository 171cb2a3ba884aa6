import { describe, expect, it } from 'vitest';
import { oneCycleSchedule } from './one-cycle.js';

const options = { totalSteps: 100, maxLr: 1e-2, pctStart: 0.25, divFactor: 25, finalDivFactor: 1e4, beta1: [0.95, 0.85] as const };

describe('oneCycleSchedule', () => {
  const schedule = oneCycleSchedule(options);
  const lrs = schedule.map((s) => s.lr);

  it('warms up from maxLr/divFactor to maxLr, then anneals to the final LR', () => {
    expect(lrs[0]).toBeCloseTo(1e-2 / 25, 10);
    const peak = lrs.indexOf(Math.max(...lrs));
    expect(peak).toBe(25);
    expect(lrs[peak]).toBeCloseTo(1e-2, 10);
    expect(lrs[99]).toBeCloseTo(1e-2 / 25 / 1e4, 12);
    for (let i = 1; i <= peak; i++) expect(lrs[i]!).toBeGreaterThan(lrs[i - 1]!);
    for (let i = peak + 1; i < 100; i++) expect(lrs[i]!).toBeLessThan(lrs[i - 1]!);
  });

  it('moves β1 inversely to the LR', () => {
    expect(schedule[0]!.beta1).toBeCloseTo(0.95);
    expect(schedule[25]!.beta1).toBeCloseTo(0.85);
    expect(schedule[99]!.beta1).toBeCloseTo(0.95);
    for (let i = 1; i < 100; i++) {
      const lrUp = lrs[i]! > lrs[i - 1]!;
      expect(schedule[i]!.beta1 < schedule[i - 1]!.beta1).toBe(lrUp);
    }
  });

  it('handles tiny runs without NaN', () => {
    for (const totalSteps of [1, 2, 3]) {
      for (const s of oneCycleSchedule({ ...options, totalSteps })) {
        expect(Number.isFinite(s.lr) && Number.isFinite(s.beta1)).toBe(true);
      }
    }
  });
});
