import { describe, expect, it } from 'vitest';
import { columnSums } from './leading-axes-reduce.js';

describe('columnSums', () => {
  it.each([[1, 3], [4, 2], [7, 5], [9, 1]])('sums %i rows × %i cols including the remainder rows', (rows, cols) => {
    const src = Float32Array.from({ length: rows * cols }, (_, i) => i + 1);
    const expected = Array.from({ length: cols }, (_, c) => Array.from({ length: rows }, (_, r) => r * cols + c + 1).reduce((a, b) => a + b, 0));
    expect(Array.from(columnSums(src, rows, cols))).toEqual(expected);
  });
});
