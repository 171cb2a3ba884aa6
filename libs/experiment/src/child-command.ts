import { spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ExperimentContext } from './context.js';

export interface CommandOutcome {
  /** the direct child's exit code; null when it was killed by a signal or never started */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** the last SIGINT/SIGTERM/SIGHUP this process received and passed on to the command */
  forwarded: NodeJS.Signals | null;
  /** set when the command could not be started at all (not found, not executable) */
  spawnError: NodeJS.ErrnoException | null;
  stdoutLog: string;
  stderrLog: string;
}

const forwardedSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** how long output is still collected after the direct child exits (forked children may hold the pipes) */
const drainAfterExitMs = 1500;

/**
 * Runs `argv` with `env`, teeing its stdout/stderr into `<logDir>/stdout.log|stderr.log` and to the
 * context's streams. The command gets its own process group, so a terminal's Ctrl-C reaches it once (from
 * here, forwarded to the whole group) rather than twice. Resolves when the direct child exits: a command
 * that forks and exits ends the run even if its children live on.
 */
export function runCommand(ctx: ExperimentContext, argv: readonly string[], env: NodeJS.ProcessEnv, logDir: string): Promise<CommandOutcome> {
  const stdoutLog = join(logDir, 'stdout.log');
  const stderrLog = join(logDir, 'stderr.log');
  const files = [createWriteStream(stdoutLog), createWriteStream(stderrLog)] as const;
  const outcome: CommandOutcome = { exitCode: null, signal: null, forwarded: null, spawnError: null, stdoutLog, stderrLog };
  return new Promise((resolveOutcome) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: ctx.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const forward = (signal: NodeJS.Signals) => {
      outcome.forwarded = signal;
      ctx.log(`leakproof: passing ${signal} on to the command`);
      if (child.pid !== undefined) killGroup(child.pid, signal);
    };
    for (const s of forwardedSignals) process.on(s, forward);
    const streams: [Readable, NodeJS.WritableStream, WriteStream][] = [
      [child.stdout, ctx.stdout, files[0]],
      [child.stderr, ctx.stderr, files[1]],
    ];
    const ended = streams.map(
      ([from, shown, file]) =>
        new Promise<void>((done) => {
          from.on('data', (chunk: Buffer) => {
            file.write(chunk);
            shown.write(chunk);
          });
          from.on('end', done);
          from.on('error', () => done());
        }),
    );
    let settled = false;
    const finish = async (started: boolean) => {
      if (settled) return;
      settled = true;
      for (const s of forwardedSignals) process.off(s, forward);
      const drained = !started || (await within(Promise.all(ended), drainAfterExitMs));
      if (!drained) {
        ctx.log('leakproof: the command exited but processes it started still hold its output; their output is no longer recorded');
        for (const [from] of streams) from.destroy();
      }
      await Promise.all(files.map((f) => new Promise<void>((done) => f.end(done))));
      resolveOutcome(outcome);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // only a failure to start leaves no exit event behind
      if (child.pid === undefined) {
        outcome.spawnError = error;
        void finish(false);
      }
    });
    child.on('exit', (code, signal) => {
      outcome.exitCode = code;
      outcome.signal = signal;
      void finish(true);
    });
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** true when `work` settles within `ms`, false otherwise; never leaves a timer behind */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((done) => {
    const timer = setTimeout(() => done(false), ms);
    void work.then(() => {
      clearTimeout(timer);
      done(true);
    });
  });
}
