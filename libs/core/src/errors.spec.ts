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

describe('thresholdRuleLabel', () => {
  it('shows the stored choice as its rule and target, and anything unparseable as it is', async () => {
    const { thresholdRuleLabel } = await import('./threshold-rule-label.js');
    expect(thresholdRuleLabel(JSON.stringify({ rule: 'target-recall', target: 0.975, value: 0.2 }))).toBe('target-recall 0.975');
    expect(thresholdRuleLabel(JSON.stringify({ rule: 'max-f1', value: 0.4 }))).toBe('max-f1');
    expect(thresholdRuleLabel('fixed')).toBe('fixed');
  });
});
