/**
 * The one error base class of Leakproof. Libraries throw subclasses for problems a user can fix;
 * the CLI maps them to exit codes by class (never by name lists or message text), the server to 4xx.
 * Anything that is not a LeakproofError is an internal error.
 */
export class LeakproofError extends Error {
  /** stable machine-readable code, e.g. 'registry-locked', 'filter-syntax' */
  readonly code: string;
  /** one line telling the user how to fix it */
  readonly hint: string | undefined;
  /** duck-type marker kept for code that cannot import this class (worker threads, child processes) */
  readonly userFacing = true;

  constructor(message: string, opts: { code: string; hint?: string; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = opts.code;
    this.hint = opts.hint;
  }
}

/** A check that ran and found a problem the user must act on (leakage, refused run): CLI exit 1. */
export class ProblemFoundError extends LeakproofError {}

/** A mistake the user can fix (bad flag, missing file, invalid config, a run in the wrong state): CLI exit 2, printed with its hint. */
export class UsageError extends LeakproofError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'usage', hint });
  }
}

/** A ProblemFoundError with the generic code 'problem' (a refused run, a failed check): CLI exit 1. */
export class ProblemError extends ProblemFoundError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'problem', hint });
  }
}

/** The user stopped the work (Ctrl-C twice): the CLI exits 130 like a shell does for SIGINT. Libraries throw it, never exit. */
export class InterruptedError extends LeakproofError {
  constructor(message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, { code: 'interrupted', ...opts });
  }
}

export function isLeakproofError(error: unknown): error is LeakproofError {
  return error instanceof LeakproofError || (error instanceof Error && (error as { userFacing?: unknown }).userFacing === true);
}
