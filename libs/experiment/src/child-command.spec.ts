import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentContext } from './context.js';
import { runCommand } from './child-command.js';
import { statusOf } from './external-run.js';

describe('running the command of `leakproof run`', () => {
  let dir: string;
  let shown: { out: string; err: string };
  const ctx = (): ExperimentContext => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    shown = { out: '', err: '' };
    stdout.on('data', (d: Buffer) => (shown.out += d.toString()));
    stderr.on('data', (d: Buffer) => (shown.err += d.toString()));
    return { cwd: dir, env: {}, stdout, stderr, log: (line) => stderr.write(line + '\n') };
  };
  const env = { PATH: process.env['PATH'] };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leakproof-child-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('shows and records stdout and stderr, and reports the exit code', async () => {
    const outcome = await runCommand(ctx(), ['sh', '-c', 'echo out; echo err >&2; exit 3'], env, dir);
    expect(outcome).toMatchObject({ exitCode: 3, signal: null, forwarded: null, spawnError: null });
    expect(statusOf(outcome)).toBe('failed');
    expect(shown.out).toBe('out\n');
    expect(shown.err).toBe('err\n');
    expect(await readFile(outcome.stdoutLog, 'utf8')).toBe('out\n');
    expect(await readFile(outcome.stderrLog, 'utf8')).toBe('err\n');
  });

  it('ends when the direct child exits although a process it forked still holds the output', async () => {
    const started = Date.now();
    const outcome = await runCommand(ctx(), ['sh', '-c', '(sleep 5; echo late) & echo parent; exit 0'], env, dir);
    expect(Date.now() - started).toBeLessThan(4900);
    expect(statusOf(outcome)).toBe('finished');
    expect(shown.out).toBe('parent\n');
    expect(shown.err).toMatch(/processes it started still hold its output/);
  });

  it('reports a command that cannot be started instead of throwing', async () => {
    const outcome = await runCommand(ctx(), ['no-such-command-xyz'], env, dir);
    expect(outcome.spawnError?.code).toBe('ENOENT');
    expect(outcome.exitCode).toBeNull();
    expect(statusOf(outcome)).toBe('failed');
  });

  it('passes a signal this process receives on to the command, which is then interrupted', async () => {
    const c = ctx();
    const listeners = process.listenerCount('SIGINT');
    const running = runCommand(c, ['sh', '-c', 'trap "echo got INT; exit 130" INT; echo ready; while true; do sleep 0.05; done'], env, dir);
    while (!shown.out.includes('ready')) await new Promise((done) => setTimeout(done, 20));
    process.emit('SIGINT', 'SIGINT');
    const outcome = await running;
    expect(outcome).toMatchObject({ exitCode: 130, forwarded: 'SIGINT' });
    expect(statusOf(outcome)).toBe('interrupted');
    expect(shown.out).toContain('got INT');
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });
});
