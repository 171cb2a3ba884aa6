import { LeakproofError } from '@leakproof/core';

export const filterHint =
  "filters look like: metrics.recall >= 0.95 and (params.model = 'resnet' or tags.note ~ 'baseline') and not attributes.status = 'failed'";

/** At most this many characters of the filter are echoed around the caret, so a 10,000-character filter stays readable. */
const window = 60;

/** The filter around a 1-based code-point column, and a caret under that column. */
function excerpt(input: string, column: number): string {
  const chars = Array.from(input);
  const at = Math.min(Math.max(0, column - 1), chars.length);
  const start = Math.max(0, at - window);
  const end = Math.min(chars.length, at + window);
  const before = start > 0 ? '…' : '';
  const text = `${before}${chars.slice(start, end).join('')}${end < chars.length ? '…' : ''}`.replace(/[\n\r\t]/g, ' ');
  return `  ${text}\n  ${' '.repeat(before.length + at - start)}^`;
}

/**
 * A malformed or unsupported filter: the message names the 1-based column (counted in characters, so an
 * emoji or an accented letter before it counts once) and shows the filter with a caret under it.
 */
export class FilterSyntaxError extends LeakproofError {
  constructor(
    readonly input: string,
    readonly column: number,
    readonly reason: string,
    hint: string = filterHint,
    /** what the input is, as the message names it: a filter, or an order-by list */
    readonly what: 'filter' | 'order-by' = 'filter',
  ) {
    super(`bad ${what} at column ${column}: ${reason}\n${excerpt(input, column)}`, { code: 'filter-syntax', hint });
  }
}
