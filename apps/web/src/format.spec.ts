import { describe, expect, it } from 'vitest';
import { axisTicks, flattenParams, interval, num, smooth, undrawnSteps } from './format';

describe('format', () => {
  it('rounds like the CLI', () => {
    expect(num(0.863218)).toBe('0.8632');
    expect(num(12)).toBe('12');
    expect(num(null)).toBe('');
    expect(interval({ value: 0.9876, lo: 0.9712, hi: 0.99501 })).toBe('0.988 [0.971, 0.995]');
  });
  it('flattens params to the dotted keys of the filter language', () => {
    expect(flattenParams({ train: { epochs: 1, model: 'cnn4' }, seed: 3 })).toEqual({ 'train.epochs': '1', 'train.model': 'cnn4', seed: '3' });
  });
  it('smooths without bias at the start and keeps gaps', () => {
    expect(smooth([1, 1, null, 1], 0.9)).toEqual([1, 1, null, 1].map((v) => (v === null ? null : expect.closeTo(1, 10))));
  });
});

describe('chart labels', () => {
  it('writes axis ticks plainly in the everyday range and exponentially where the digits would not fit', () => {
    expect(axisTicks([0, 0.25, 0.5, 1])).toEqual(['0', '0.25', '0.5', '1']);
    expect(axisTicks([0, 0.00005, 0.0001, 1500])).toEqual(['0', '0.00005', '0.0001', '1,500']);
    expect(axisTicks([0, 5e29, 1e30, 2.5e30])).toEqual(['0', '5e+29', '1e+30', '2.5e+30']);
    expect(axisTicks([0, 5e-7, 1e-6])).toEqual(['0', '5e-7', '1e-6']);
    expect(axisTicks([-3e8, 0])).toEqual(['-3e+8', '0']);
  });
  it('lists the steps a chart cannot draw', () => {
    expect(undrawnSteps([[0, 1], [1, null], [2, Number.NaN], [3, 0.5]])).toEqual([1, 2]);
  });
});
