// Number('0x10') is 16, Number(' ') and Number('') are 0, Number('1_0') is NaN: what a person types is decimal only
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number as written in a CSV cell or on a command line ('0.93', '-1e-3', '.5'); undefined for anything else. */
export function parseDecimal(text: string): number | undefined {
  const trimmed = text.trim();
  return DECIMAL.test(trimmed) ? Number(trimmed) : undefined;
}
