import { describe, expect, it } from 'vitest';
import { parseDecimal } from './decimal.js';

describe('parseDecimal', () => {
  it.each([['0.93', 0.93], ['1', 1], ['-1e-3', -0.001], ['.5', 0.5], ['3.', 3], [' 0.25 ', 0.25], ['+2E2', 200]])('reads %j', (text, value) => {
    expect(parseDecimal(text)).toBe(value);
  });
  it.each(['0x10', '0b1', '0o7', '', ' ', '1_000', 'NaN', 'Infinity', '1e', '--1', '1,5'])('refuses %j', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });
});
