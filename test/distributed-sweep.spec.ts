import { cp, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';
import { adminUrl, createDatabase, sql, startWorker, stopWorkers, waitFor, type WorkerProcess } from './support/distributed.js';

// Real `leakproof worker` processes training a sweep's configuration against a real PostgreSQL (own database).
const sample = fileURLToPath(new URL('../data/sample/chest_xray', import.meta.url));
const dbs: { drop: () => Promise<void> }[] = [];
const workers: WorkerProcess[] = [];

function exitWithin(w: WorkerProcess, ms: number): Promise<number | null> {
  return Promise.race([w.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`worker still running ${ms} ms after the signal`)), ms))]);
}

describe.skipIf(!adminUrl)('sweep training jobs on real workers', () => {
  afterAll(async () => {
    await stopWorkers(workers);
    for (const db of dbs) await db.drop();
  });

  it('a worker stopped mid-training (Ctrl-C, or SIGTERM) stops the training at a checkpoint, marks its run interrupted and hands the job back, never completed; the retry resumes that run', async () => {
    const db = await createDatabase('lpq_sweep');
    dbs.push(db);
    const cwd = await mkdtemp(join(tmpdir(), 'lp-sweep-stop-'));
    // far more epochs than the test waits for: only a stop ends this training
    const train = { model: 'cnn4', imageSize: 64, width: 0.25, epochs: 1000, earlyStopping: null, workers: 0, tta: 1 };
    await writeFile(join(cwd, 'exp.json'), JSON.stringify({ dataset: { root: sample, config: { idRule: 'kermany' } }, train }));
    const env = { DATABASE_URL: db.url };
    expect((await cli(cwd, ['audit', sample], env)).code).toBe(0);
    const started = await cli(cwd, ['sweep', '--config', 'exp.json', '--grid', 'train.maxLr=[0.001]', '--format', 'json'], env);
    expect(started.code).toBe(0);
    const { sweepId } = JSON.parse(started.stdout) as { sweepId: string };
    const jobState = async (): Promise<string | undefined> => (await sql<{ state: string }>(db.url, `select state from pgboss.job where data->>'sweepId' = $1`, [sweepId]))[0]?.state;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const w = startWorker(db.url, { LEAKPROOF_QUEUE_STOP_TIMEOUT_SECONDS: '1' }, [], { queues: 'train', cwd });
      workers.push(w);
      await waitFor('an epoch of training', async () => Number((await sql<{ n: string }>(db.url, `select count(*) as n from metrics m join runs r on r.id = m.run_id where r.status = 'running'`))[0]?.n) > 0, 120_000);
      w.child.kill(signal);
      expect(await exitWithin(w, 30_000)).toBe(0);
      expect(w.output()).toMatch(/released job/);
      expect(await jobState()).not.toBe('completed');
    }
    // the second worker (same working folder) found the first one's checkpoint and continued that run
    expect(workers.at(-1)?.output()).toMatch(/resuming interrupted run 1 from its checkpoint/);
    const runs = await sql<{ status: string }>(db.url, 'select status from runs order by id');
    expect(runs.map((r) => r.status)).toEqual(['interrupted']);
  });

  it('a configuration whose worker was stopped finishes on the next worker as the same run, from its checkpoint', async () => {
    const db = await createDatabase('lpq_sweep');
    dbs.push(db);
    const cwd = await mkdtemp(join(tmpdir(), 'lp-sweep-resume-'));
    const train = { model: 'cnn4', imageSize: 64, width: 0.25, epochs: 8, earlyStopping: null, workers: 0, tta: 1 };
    await writeFile(join(cwd, 'exp.json'), JSON.stringify({ dataset: { root: sample, config: { idRule: 'kermany' } }, train }));
    const env = { DATABASE_URL: db.url };
    expect((await cli(cwd, ['audit', sample], env)).code).toBe(0);
    const started = await cli(cwd, ['sweep', '--config', 'exp.json', '--grid', 'train.maxLr=[0.003]', '--format', 'json'], env);
    const { sweepId } = JSON.parse(started.stdout) as { sweepId: string };
    const first = startWorker(db.url, { LEAKPROOF_QUEUE_STOP_TIMEOUT_SECONDS: '1' }, [], { queues: 'train', cwd });
    workers.push(first);
    await waitFor('an epoch of training', async () => Number((await sql<{ n: string }>(db.url, `select count(*) as n from metrics m join runs r on r.id = m.run_id where r.status = 'running' and m.key = 'loss'`))[0]?.n) > 0, 120_000);
    first.child.kill('SIGTERM');
    expect(await exitWithin(first, 30_000)).toBe(0);
    const second = startWorker(db.url, { LEAKPROOF_QUEUE_RETRY_DELAY_SECONDS: '0' }, [], { queues: 'train', cwd });
    workers.push(second);
    await waitFor('the configuration to finish', async () => (await sql<{ state: string }>(db.url, `select state from pgboss.job where data->>'sweepId' = $1`, [sweepId]))[0]?.state === 'completed', 180_000);
    expect(second.output()).toMatch(/resuming interrupted run 1 from its checkpoint/);
    expect((await sql<{ id: number; status: string }>(db.url, 'select id, status from runs order by id')).map((r) => [r.id, r.status])).toEqual([[1, 'finished']]);
    const epochs = await sql<{ step: number }>(db.url, `select step from metrics where run_id = 1 and key = 'loss' order by step`);
    expect(epochs.map((e) => Number(e.step))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a training longer than its lease stays with its worker: every heartbeat renews the lease, so it is never retried beside itself', async () => {
    const db = await createDatabase('lpq_sweep');
    dbs.push(db);
    const cwd = await mkdtemp(join(tmpdir(), 'lp-sweep-lease-'));
    const train = { model: 'cnn4', imageSize: 64, width: 0.25, epochs: 12, earlyStopping: null, workers: 0, tta: 1 };
    await writeFile(join(cwd, 'exp.json'), JSON.stringify({ dataset: { root: sample, config: { idRule: 'kermany' } }, train }));
    // a 2 s lease with expiry checked every second: without renewal the job expires several times during training
    const env = { DATABASE_URL: db.url, LEAKPROOF_QUEUE_TRAIN_LEASE_SECONDS: '2', LEAKPROOF_QUEUE_MAINTENANCE_SECONDS: '1', LEAKPROOF_QUEUE_HEARTBEAT_SECONDS: '0.5' };
    expect((await cli(cwd, ['audit', sample], env)).code).toBe(0);
    const started = await cli(cwd, ['sweep', '--config', 'exp.json', '--grid', 'train.maxLr=[0.003]', '--format', 'json'], env);
    const { sweepId } = JSON.parse(started.stdout) as { sweepId: string };
    const job = async () => (await sql<{ state: string; retry_count: number }>(db.url, `select state, retry_count from pgboss.job where data->>'sweepId' = $1 union all select state, retry_count from pgboss.archive where data->>'sweepId' = $1`, [sweepId]))[0];
    const w = startWorker(db.url, env, [], { queues: 'train', cwd });
    workers.push(w);
    await waitFor('the configuration to finish', async () => ['completed', 'failed'].includes((await job())?.state ?? ''), 180_000);
    expect(await job()).toMatchObject({ state: 'completed', retry_count: 0 });
    const runs = await sql<{ status: string; seconds: number }>(db.url, 'select status, extract(epoch from finished_at - created_at) as seconds from runs');
    expect(runs.map((r) => r.status)).toEqual(['finished']);
    // the training did outlast its lease
    expect(Number(runs[0]?.seconds)).toBeGreaterThan(2);
  });

  it('sweep status says why a configuration failed (here: its dataset is not visible on the worker), not only that it did', async () => {
    const db = await createDatabase('lpq_sweep');
    dbs.push(db);
    const cwd = await mkdtemp(join(tmpdir(), 'lp-sweep-failed-'));
    await cp(sample, join(cwd, 'data'), { recursive: true });
    await writeFile(join(cwd, 'exp.json'), JSON.stringify({ dataset: { root: 'data', config: { idRule: 'kermany' } }, train: { model: 'cnn4', imageSize: 32, epochs: 1 } }));
    const env = { DATABASE_URL: db.url, LEAKPROOF_QUEUE_RETRY_DELAY_SECONDS: '0' };
    expect((await cli(cwd, ['audit', 'data'], env)).code).toBe(0);
    const started = await cli(cwd, ['sweep', '--config', 'exp.json', '--grid', 'train.maxLr=[0.001]', '--format', 'json'], env);
    const { sweepId } = JSON.parse(started.stdout) as { sweepId: string };
    // the submitting machine saw the dataset; the worker does not
    await rename(join(cwd, 'data'), join(cwd, 'moved'));
    workers.push(startWorker(db.url, {}, [], { queues: 'train', cwd }));
    await waitFor('the job to fail for good', async () => (await sql<{ state: string }>(db.url, `select state from pgboss.job where data->>'sweepId' = $1`, [sweepId]))[0]?.state === 'failed');
    const shown = JSON.parse((await cli(cwd, ['sweep', 'status', sweepId, '--format', 'json'], env)).stdout) as { rows: { job: string; error?: string }[] };
    expect(shown.rows[0]?.job).toBe('failed');
    expect(shown.rows[0]?.error).toMatch(new RegExp(`dataset root ${join(cwd, 'data')} is not visible on worker .* \\(on `));
    expect((await cli(cwd, ['sweep', 'status', sweepId], env)).stdout).toMatch(/#0 failed: dataset root .* is not visible on worker/);
  });
});
