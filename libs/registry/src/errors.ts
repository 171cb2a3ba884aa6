import type { ZodError } from 'zod';
import { LeakproofError } from '@leakproof/core';

/** A registry refusal the user can act on; `code` is the invariant's SQLSTATE (LP001…) or a word like 'registry-locked'. */
export class RegistryError extends LeakproofError {
  constructor(message: string, hint?: string, code = 'registry', cause?: unknown) {
    super(message, { code, hint, cause });
  }
}

export function invalidInput(what: string, error: ZodError): RegistryError {
  const issues = error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  return new RegistryError(`invalid ${what}: ${issues}`, undefined, 'invalid-input');
}

const hints: Record<string, string> = {
  LP001: 'fix the leakage and re-run `leakproof audit` until the verdict is pass',
  LP004: 'evaluate on a split that was part of the audit, or audit the dataset including that split',
  LP005: 'archive the run instead (`archiveRun`)',
  LP011: 'creation times are set by the database once; record a new row instead',
  LP012: 'a finished or failed run is frozen (archive it, or start a new run); an interrupted run is resumed before it finishes',
  LP013: 'evaluate a finished run on a whole audited split with the evaluator; the stated metrics must be the ones its counts give',
};

/** The SQLSTATE of a database error, looking through drizzle's wrapper. */
export function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    if (e instanceof Error) message = e.message;
  }
  return message;
}

/** Turns an invariant violation (our LPxxx codes) into a RegistryError; anything else is rethrown as is. */
export function translateDbError(error: unknown): never {
  const code = sqlState(error);
  if (code?.startsWith('LP')) {
    throw new RegistryError(innermostMessage(error).replace(/^leakproof: /, ''), hints[code], code);
  }
  if (code === '57014') {
    throw new RegistryError(
      'the database stopped the query at its statement timeout',
      'narrow the filter, or open the registry with a larger statementTimeoutMs',
      'query-timeout',
      error,
    );
  }
  if (code === '2201B') throw new RegistryError(`invalid regular expression in filter: ${innermostMessage(error)}`, 'use a POSIX regular expression, e.g. tags.note ~ \'^base\'', code);
  throw error;
}
