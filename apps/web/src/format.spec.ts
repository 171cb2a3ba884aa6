import { describe, expect, it } from 'vitest';
import { flattenParams, interval, num, smooth } from './format';

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
