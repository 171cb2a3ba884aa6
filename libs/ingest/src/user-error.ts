import { LeakproofError } from '@leakproof/core';

/** A dataset/config mistake the user can fix: the CLI prints message + hint without a stack trace (exit 2). */
export class IngestUserError extends LeakproofError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'ingest', hint });
  }
}
