import { InterruptedError } from '@leakproof/core';

/** How training is asked to stop: `graceful` finishes the step and checkpoints; `now` throws at the next step. */
export interface StopSignals {
  graceful: AbortSignal;
  now: AbortSignal;
  /** throws InterruptedError when `now` was signalled */
  throwIfStoppedNow(where: string): void;
  dispose(): void;
}

/**
 * Ctrl-C (when handled) and the caller's signal. A library never exits: the second Ctrl-C makes the loop throw
 * InterruptedError at the next step (the CLI exits 130), and the handler is removed so a third one gets
 * Node's default and kills the process.
 */
export function listenForStop(options: { signal?: AbortSignal; handleSigint?: boolean; stderr?: NodeJS.WritableStream }): StopSignals {
  const graceful = new AbortController();
  const now = new AbortController();
  const onSigint = () => {
    if (graceful.signal.aborted) {
      options.stderr?.write('\nstopping now, without a checkpoint of this epoch (Ctrl-C again to kill)\n');
      process.off('SIGINT', onSigint);
      now.abort();
      return;
    }
    options.stderr?.write('\nstopping after this step and writing a checkpoint (Ctrl-C again to quit now)\n');
    graceful.abort();
  };
  const onAbort = () => graceful.abort();
  if (options.signal?.aborted) graceful.abort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const handleSigint = options.handleSigint !== false;
  if (handleSigint) process.on('SIGINT', onSigint);
  return {
    graceful: graceful.signal,
    now: now.signal,
    throwIfStoppedNow(where) {
      if (now.signal.aborted) throw new InterruptedError(`training stopped at ${where} by a second Ctrl-C`, { hint: 'the last epoch checkpoint (if any) is kept: resume the run to continue from it' });
    },
    dispose() {
      if (handleSigint) process.off('SIGINT', onSigint);
      options.signal?.removeEventListener('abort', onAbort);
    },
  };
}
