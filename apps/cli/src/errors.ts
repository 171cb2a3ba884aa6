/** Exit codes shared by every command: 0 ok, 1 the check found a problem, 2 usage or internal error, 130 stopped by Ctrl-C. */
export const ExitCode = { ok: 0, problem: 1, error: 2, interrupted: 130 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A mistake the user can fix (bad flag, missing file, invalid config). Printed without a stack trace,
 * with the hint telling how to fix it. Everything else that escapes a command is an internal error.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Libraries signal user errors by duck type (`userFacing: true`) so they need not depend on the CLI. */
export function isUserFacing(error: unknown): error is Error & { hint?: string } {
  return (
    error instanceof UserError ||
    (error instanceof Error && ((error as { userFacing?: unknown }).userFacing === true || userErrorNames.has(error.name)))
  );
}

// Errors the libraries throw for bad input; matched by name so the CLI core need not load the libraries.
const userErrorNames = new Set([
  'TrainConfigError',
  'TrainDataError',
  'ModelLoadError',
  'ImageDecodeError',
  'EvaluationInputError',
  'PolicyError',
  'RegistryError',
  'FilterSyntaxError',
  'IngestUserError',
]);

/**
 * The command worked and found a problem the user must act on (leakage, a refused run): exit 1, printed
 * like a user error.
 */
export class ProblemError extends UserError {
  readonly exitCode = 1;
}
