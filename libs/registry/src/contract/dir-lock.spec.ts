import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireDirLock, currentOwner, ownerState, processStartTime, type LockOwner } from '../dir-lock.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const contenderScript = fileURLToPath(new URL('./fixtures/lock-contender.ts', import.meta.url));

interface Contender {
  child: ChildProcessWithoutNullStreams;
  lines: AsyncIterator<string>;
}

async function startContender(): Promise<Contender> {
  const child = spawn(process.execPath, ['--import', 'tsx', contenderScript], { cwd: repoRoot, stdio: 'pipe' });
  const rl: Interface = createInterface({ input: child.stdout });
  return { child, lines: rl[Symbol.asyncIterator]() };
}

async function ask(c: Contender, line: string): Promise<{ held?: boolean; message?: string }> {
  c.child.stdin.write(line + '\n');
  const next = await c.lines.next();
  return JSON.parse(next.value as string) as { held?: boolean; message?: string };
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.on('exit', done));
  return child.pid as number;
}

const staleOwner = (pid: number, procStart: string | null): LockOwner => ({ ...currentOwner(), pid, procStart, nonce: `stale-${pid}-${procStart}` });

describe('registry directory lock', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leakproof-lock-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lets exactly one of four processes take over a stale lock at the same millisecond (8 trials)', { timeout: 120_000 }, async () => {
    const contenders = await Promise.all(Array.from({ length: 4 }, startContender));
    try {
      // warm-up: each child has loaded the module and answers before the races start
      for (const [i, c] of contenders.entries()) expect(await ask(c, `go ${join(dir, `warm-${i}`)} 0`)).toMatchObject({ held: true });
      await Promise.all(contenders.map((c) => ask(c, 'release')));
      const dead = await deadPid();
      for (let trial = 0; trial < 8; trial++) {
        const lockDir = join(dir, `trial-${trial}`);
        await rm(lockDir, { recursive: true, force: true });
        const { mkdir } = await import('node:fs/promises');
        await mkdir(lockDir, { recursive: true });
        // even trials: the owner died; odd trials: its pid now belongs to an unrelated live process (pid 1)
        const stale = trial % 2 === 0 ? staleOwner(dead, null) : staleOwner(1, 'not-the-start-time-of-pid-1');
        await writeFile(join(lockDir, 'registry.lock'), JSON.stringify(stale));
        const at = Date.now() + 300;
        const outcomes = await Promise.all(contenders.map((c) => ask(c, `go ${lockDir} ${at}`)));
        const holders = outcomes.filter((o) => o.held).length;
        expect(holders, `trial ${trial}: ${JSON.stringify(outcomes)}`).toBe(1);
        for (const o of outcomes.filter((x) => !x.held)) expect(o.message).toContain('in use by another process');
        const owner = JSON.parse(await readFile(join(lockDir, 'registry.lock'), 'utf8')) as LockOwner;
        expect(contenders.map((c) => c.child.pid)).toContain(owner.pid);
        await Promise.all(contenders.map((c) => ask(c, 'release')));
        // no claim or temporary files are left behind
        expect(await readdir(lockDir)).toEqual([]);
      }
    } finally {
      for (const c of contenders) c.child.kill();
    }
  });

  it('treats a lock whose pid now belongs to another process as stale, by process start time', () => {
    const me = currentOwner();
    expect(processStartTime(process.pid)).toMatch(/^\d+$/);
    expect(ownerState({ ...me }, me)).toBe('alive');
    expect(ownerState({ ...me, pid: 1, procStart: 'reused' }, me)).toBe('stale');
    expect(ownerState({ ...me, bootId: 'another-boot' }, me)).toBe('stale');
    expect(ownerState({ ...me, hostname: `${hostname()}-elsewhere` }, me)).toBe('other-host');
  });

  it('says exactly what to do about a live lock it cannot judge', async () => {
    const lockDir = join(dir, 'legacy');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(lockDir, { recursive: true });
    // written by an older version: no start time, and pid 1 is alive
    await writeFile(join(lockDir, 'registry.lock'), JSON.stringify({ pid: 1, hostname: hostname(), startedAt: '2026-01-01T00:00:00.000Z' }));
    let error: (Error & { hint?: string }) | undefined;
    try {
      acquireDirLock(lockDir);
    } catch (e) {
      error = e as Error & { hint?: string };
    }
    expect(error?.message).toContain('in use by another process (pid 1 on');
    expect(error?.hint).toContain(`delete ${join(lockDir, 'registry.lock')}`);
    expect(error?.hint).toContain('reused');
  });
});
