/**
 * A dataset/config mistake the user can fix. The CLI recognises it by duck type (`userFacing: true`)
 * and prints message + hint without a stack trace, so this library need not depend on the CLI.
 */
export class IngestUserError extends Error {
  readonly userFacing = true;

  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'IngestUserError';
  }
}
