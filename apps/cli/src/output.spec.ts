import { describe, expect, it } from 'vitest';
import { renderResult, result } from './output.js';

describe('renderResult --format json', () => {
  it("writes a diverged run's NaN and ±Infinity as the API does, not as null (which reads as 'no value')", () => {
    const text = renderResult(result({ loss: [1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], missing: null }), 'json');
    expect(JSON.parse(text)).toEqual({ loss: [1.5, 'NaN', 'Infinity', '-Infinity'], missing: null });
  });
});
