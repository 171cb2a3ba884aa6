import { describe, expect, it } from 'vitest';
import { historySvg } from './history.js';

describe('historySvg', () => {
  it('titles the y axis once for the value and its interval, not with the field names', async () => {
    const at = (day: number, value: number) => ({ when: `2026-01-0${day}T00:00:00.000Z`, run: `#${day} r`, split: 'test', metric: 'recall', value, lo: value - 0.1, hi: value + 0.05 });
    const svg = await historySvg([at(1, 0.8), at(2, 0.9)], 'ab'.repeat(32));
    expect(svg).not.toContain('lo, value');
    expect(svg).toContain('value (bars: confidence interval)');
  });
});
