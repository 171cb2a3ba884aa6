import { describe, expect, it } from 'vitest';
import { parseJsonText } from './json-text.js';

describe('parseJsonText', () => {
  it('reads a file saved with a UTF-8 byte-order mark as the same JSON', () => {
    expect(parseJsonText('\uFEFF{ "datasets": [] }')).toEqual({ datasets: [] });
    expect(parseJsonText('{ "a": 1 }')).toEqual({ a: 1 });
  });

  it('still refuses invalid JSON, and a mark anywhere but the start', () => {
    expect(() => parseJsonText('{ "a": ')).toThrow(SyntaxError);
    expect(() => parseJsonText('{ "a": 1 }\uFEFF')).toThrow(SyntaxError);
  });
});
