import type { ExperimentContext } from '@leakproof/experiment/light';

/**
 * Everything a command may touch, injected so commands are plain async functions that tests can call
 * with a temporary cwd and captured streams.
 */
export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  /** progress bars and logs go here, never to stdout, so `--format json` output stays parseable */
  stderr: NodeJS.WritableStream;
  /** true when stderr is a terminal: progress bars animate only then */
  interactive: boolean;
}

export function processContext(): CliContext {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: Boolean(process.stderr.isTTY),
  };
}

export function log(ctx: CliContext, message: string): void {
  ctx.stderr.write(message.endsWith('\n') ? message : message + '\n');
}

/** What the experiment library needs of a command's context (libs/experiment). */
export function experimentContext(ctx: CliContext): ExperimentContext {
  return { cwd: ctx.cwd, env: ctx.env, stdout: ctx.stdout, stderr: ctx.stderr, log: (line) => log(ctx, line) };
}
