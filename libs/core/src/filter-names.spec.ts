import { describe, expect, it } from 'vitest';
import { fieldRef } from './filter-names.js';

describe('fieldRef', () => {
  it('writes plain keys bare, dotted ones included', () => {
    expect(fieldRef('metrics', 'val_recall')).toBe('metrics.val_recall');
    expect(fieldRef('metrics', 'train/loss')).toBe('metrics.train/loss');
    expect(fieldRef('params', 'augmentation.zoom')).toBe('params.augmentation.zoom');
  });
  it('puts any other key in backticks, escaping backslashes and backticks', () => {
    expect(fieldRef('metrics', 'train loss')).toBe('metrics.`train loss`');
    expect(fieldRef('metrics', 'acc@1')).toBe('metrics.`acc@1`');
    expect(fieldRef('metrics', '1st')).toBe('metrics.`1st`');
    expect(fieldRef('tags', 'a`b\\c')).toBe('tags.`a\\`b\\\\c`');
  });
});
