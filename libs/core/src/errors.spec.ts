import { describe, expect, it } from 'vitest';
import { LeakproofError, ProblemFoundError, isLeakproofError } from './errors.js';

class SampleError extends LeakproofError {}

describe('LeakproofError', () => {
  it('keeps code, hint, cause and the subclass name', () => {
    const cause = new Error('root');
    const e = new SampleError('bad', { code: 'sample', hint: 'fix it', cause });
    expect([e.name, e.code, e.hint, e.cause]).toEqual(['SampleError', 'sample', 'fix it', cause]);
    expect(isLeakproofError(e)).toBe(true);
    expect(new ProblemFoundError('leak', { code: 'leak' })).toBeInstanceOf(LeakproofError);
  });

  it('treats plain errors as internal', () => {
    expect(isLeakproofError(new Error('boom'))).toBe(false);
    expect(isLeakproofError('text')).toBe(false);
  });
});
