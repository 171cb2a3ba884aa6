import { UserError } from './errors.js';

/** Largest id a registry row can have (ids are PostgreSQL int4). */
export const MAX_RUN_ID = 2_147_483_647;

/**
 * Run ids are plain decimal positive integers within int4: `0x10`, `1e3`, `+5`, ` 7` and `2147483648` are
 * refused here, before any query, instead of being coerced by `Number()` or failing inside the database.
 */
export function parseRunId(value: unknown, what = 'run id'): number {
  const text = String(value ?? '');
  const n = /^[1-9][0-9]{0,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > MAX_RUN_ID) {
    throw new UserError(`'${text}' is not a ${what}: ids are whole decimal numbers from 1 to ${MAX_RUN_ID}`, 'pass the number shown by `leakproof runs list`, e.g. 3');
  }
  return n;
}
