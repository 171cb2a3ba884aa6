import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../db.js';
import { openRegistry } from '../open.js';
import type { Registry } from '../registry.js';
import { auditFixture, openTestStore, stores, type TestStore } from './stores.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** Runs a fixture script in a real child process (node --import tsx) and parses its JSON output. */
async function runChild<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture(script), ...args], { cwd: repoRoot, timeout: 90_000 });
  return JSON.parse(stdout) as T;
}

/** The pid of a process that has certainly exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.on('exit', done));
  return child.pid as number;
}

describe.each(stores)('processes on $kind', ({ kind }) => {
  let store: TestStore;
  let registry: Registry;
  let auditId: number;

  beforeAll(async () => {
    store = await openTestStore(kind);
    registry = store.registry;
    auditId = (await registry.recordAudit(auditFixture())).id;
  });
  afterAll(() => store?.dispose());

  it.skipIf(kind !== 'postgres')('loses nothing when several processes log to one server at once', async () => {
    const shared = await registry.createRun({ experiment: 'concurrency', name: 'shared', auditId });
    const children = 4;
    const points = 200;
    const results = await Promise.all(
      Array.from({ length: children }, (_, child) => runChild<{ ok: boolean }>('log-metrics-child.ts', [store.databaseUrl as string, String(shared.id), String(child), String(points), String(auditId)])),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const [counts] = await rows<{ history: number; shared: number; singles: number }>(
      registry.db,
      sql`select count(*)::int as history,
                 count(*) filter (where run_id = ${shared.id} and key = 'shared')::int as shared,
                 count(*) filter (where run_id = ${shared.id} and key like 'single%')::int as singles
          from metrics`,
    );
    expect(counts).toEqual({ history: 2 * children * points + children * (points / 25), shared: children * points, singles: children * (points / 25) });
    const summary = (await registry.metricSummaries(shared.id)).find((m) => m.key === 'shared');
    expect(summary).toMatchObject({ count: children * points, lastStep: children * points - 1 });
    const finishedChildren = await registry.queryRuns("attributes.experiment = 'concurrency' and attributes.status = 'finished'");
    expect(finishedChildren).toHaveLength(children);
    for (const run of finishedChildren) expect(Object.values(run.metrics)).toHaveLength(1);
  });

  it('marks a run whose process died as interrupted when the registry next opens', async () => {
    const dead = await registry.createRun({ experiment: 'life', name: 'crashed', auditId });
    const remoteStale = await registry.createRun({ experiment: 'life', name: 'remote-stale', auditId });
    const remoteFresh = await registry.createRun({ experiment: 'life', name: 'remote-fresh', auditId });
    const alive = await registry.createRun({ experiment: 'life', name: 'alive', auditId });
    await registry.db.execute(sql`update runs set pid = ${await deadPid()} where id = ${dead.id}`);
    await registry.db.execute(sql`update runs set hostname = 'elsewhere', heartbeat_at = now() - interval '2 hours' where id = ${remoteStale.id}`);
    await registry.db.execute(sql`update runs set hostname = 'elsewhere' where id = ${remoteFresh.id}`);
    if (kind === 'postgres') {
      const second = await openRegistry({ databaseUrl: store.databaseUrl as string });
      await second.close();
    } else {
      expect((await registry.markInterruptedRuns()).sort()).toEqual([dead.id, remoteStale.id].sort());
    }
    const status = async (id: number) => (await registry.getRun(id))?.status;
    expect(await status(dead.id)).toBe('interrupted');
    expect(await status(remoteStale.id)).toBe('interrupted');
    expect(await status(remoteFresh.id)).toBe('running');
    expect(await status(alive.id)).toBe('running');
  });
});

describe('PGlite directory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leakproof-registry-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  // two real child processes through tsx: on a loaded 2-core machine each start alone can take 20 s
  it('refuses a second process while open, then reopens with runs of dead processes interrupted', { timeout: 180_000 }, async () => {
    const registry = await openRegistry({ dir });
    const auditId = (await registry.recordAudit(auditFixture())).id;
    const run = await registry.createRun({ experiment: 'dir', name: 'r', auditId });
    await registry.db.execute(sql`update runs set pid = ${await deadPid()} where id = ${run.id}`);

    const blocked = await runChild<{ ok: boolean; message: string; userFacing: boolean; hint: string }>('open-registry-child.ts', [dir]);
    expect(blocked).toMatchObject({ ok: false, userFacing: true, message: expect.stringContaining(`in use by another process (pid ${process.pid}`), hint: expect.stringContaining('DATABASE_URL') });
    await expect(openRegistry({ dir })).rejects.toMatchObject({ userFacing: true });

    await registry.close();
    const reopened = await runChild<{ ok: boolean; runs: { id: number; status: string }[] }>('open-registry-child.ts', [dir]);
    expect(reopened).toEqual({ ok: true, runs: [{ id: run.id, status: 'interrupted' }] });
  });
});
