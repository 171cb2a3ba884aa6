import { PassThrough } from 'node:stream';
import { runCli, type CliContext } from '@leakproof/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured streams, as a user in `cwd` would (no DATABASE_URL: embedded registry). */
export async function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const ctx: CliContext = { cwd, env, stdout, stderr, interactive: false };
  const code = await runCli(args, ctx);
  return { code, stdout: out, stderr: err };
}
