import { InterruptedError, ProblemError as CoreProblemError, ProblemFoundError, UsageError, isLeakproofError } from '@leakproof/core';

/** Exit codes shared by every command: 0 ok, 1 the check found a problem, 2 usage or internal error, 130 stopped by Ctrl-C. */
export const ExitCode = { ok: 0, problem: 1, error: 2, interrupted: 130 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A mistake the user can fix (bad flag, missing file, invalid config). Printed without a stack trace,
 * with the hint telling how to fix it. Everything else that escapes a command is an internal error.
 */
export class UserError extends UsageError {}

/**
 * The command worked and found a problem the user must act on (leakage, a refused run): exit 1, printed
 * like a user error.
 */
export class ProblemError extends CoreProblemError {}

/**
 * Errors map to exit codes by class: every library's user-fixable error subclasses LeakproofError
 * (`@leakproof/core`). The `userFacing` duck type is honoured only for errors that crossed a thread or
 * process boundary and lost their class.
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof InterruptedError) return ExitCode.interrupted;
  if (error instanceof ProblemFoundError) return ExitCode.problem;
  return ExitCode.error;
}

export function isUserFacing(error: unknown): error is Error & { hint?: string } {
  return isLeakproofError(error);
}
