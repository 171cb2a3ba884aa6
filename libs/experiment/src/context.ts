import type { RegistryApi } from '@leakproof/registry';

/**
 * What the experiment workflow touches of its caller, injected so the library never reaches for process
 * globals: the CLI builds it from its own context, a worker or a test from theirs.
 */
export interface ExperimentContext {
  /** the project folder: .leakproof/cache and .leakproof/runs live under it */
  cwd: string;
  /** the environment (patient-ID key, passed on to external commands) */
  env: NodeJS.ProcessEnv;
  /** an external command's output is teed here */
  stdout: NodeJS.WritableStream;
  /** progress (training bars, an external command's stderr) goes here, never to stdout */
  stderr: NodeJS.WritableStream;
  /** one line of progress for the user */
  log(line: string): void;
  /**
   * aborting it stops training after the current step with a checkpoint (the run ends 'interrupted'); a worker
   * passes its job's stop here. Absent: the trainer's own Ctrl-C handler does that.
   */
  signal?: AbortSignal;
}

/** Opens the registry for one piece of work and closes it after (PGlite or a running server: the caller decides). */
export type RegistryOpener = <T>(use: (registry: RegistryApi) => Promise<T>) => Promise<T>;
