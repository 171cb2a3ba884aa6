import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { ViewComparer } from '@leakproof/audit';
import { hashShardSchema, runHashShard, verifyShardSchema, type WorkerTestHooks } from './audit-jobs.js';
import { connectQueue, type QueueConnection } from './connection.js';
import { DistributedModeError } from './errors.js';
import { queueGroups, queueName, type JobKind, type QueueSettings } from './settings.js';
import { runVerifyShard, workerComparer } from './verify-shard.js';

/** Runs one job of a kind the worker was not built with (e.g. training, provided by the CLI). */
export type JobHandler = (data: unknown, context: { jobId: string; log: (line: string) => void; signal: AbortSignal }) => Promise<unknown>;

export interface WorkerOptions {
  databaseUrl: string | undefined;
  version: string;
  settings: QueueSettings;
  /** job lanes per queue kind; default laneDefaults (2 for verification, 1 for hashing and training) */
  concurrency?: number;
  /** 'audit', 'train' */
  queues: string[];
  log: (line: string) => void;
  /** aborting it stops the worker gracefully: no new jobs, running ones finish or are released */
  signal: AbortSignal;
  /** handlers for job kinds that live outside this lib (training) */
  handlers?: Partial<Record<JobKind, JobHandler>>;
  hooks?: WorkerTestHooks;
}

/**
 * Two verification jobs at once per process by default: one job's database round trips (fetch, read views, store
 * scores, complete) then overlap the other's comparing, which runs on the comparer's threads anyway
 * (libs/queue/README.md, "Measured"). Hashing stays one job at a time: a decoder crash takes its whole process
 * down, and a second hash job beside it would fail with it and could use up its retries without any fault of
 * its own; a hash job stores each chunk while hashing the next, so its round trips are hidden already. A
 * training job uses every core by itself: one at a time.
 */
export const laneDefaults: Record<JobKind, number> = { 'audit-hash': 1, 'audit-verify': 2, train: 1 };

interface RunningJob {
  id: string;
  queue: string;
  kind: JobKind;
  since: string;
}

/**
 * A worker: `concurrency` (or laneDefaults) lanes per job kind, each fetching one job at a time from pg-boss (SKIP LOCKED, so a
 * job goes to one worker), running it and completing or failing it. A crashed worker's job stays active until
 * its lease (expireIn) runs out; pg-boss supervision then retries it on another worker.
 */
export async function runWorker(options: WorkerOptions): Promise<{ jobsDone: number; jobsFailed: number }> {
  const kinds = parseQueues(options.queues);
  const q = await connectQueue(options.databaseUrl, { settings: options.settings, version: options.version, log: options.log });
  const id = randomUUID();
  const running = new Map<string, RunningJob>();
  const stats = { jobsDone: 0, jobsFailed: 0 };
  const queues = kinds.map((k) => queueName(k, options.version));
  const lanesOf = (kind: JobKind): number => options.concurrency ?? laneDefaults[kind];
  const lanesShown = Math.max(...kinds.map(lanesOf));
  await q.retry('registering the worker', () =>
    q.pool.query('insert into queue_workers (id, host, pid, version, queues, concurrency) values ($1, $2, $3, $4, $5, $6)', [id, hostname(), process.pid, options.version, queues, lanesShown]),
  );
  const beat = (): Promise<unknown> =>
    q
      .retry('heartbeat', async () => {
        await q.pool.query('update queue_workers set last_seen = now(), current_jobs = $2 where id = $1', [id, JSON.stringify([...running.values()])]);
        await renewLeases(q, [...running.values()], options.settings);
      })
      .catch((e: unknown) => options.log(`heartbeat failed: ${(e as Error).message}`));
  const heartbeat = setInterval(() => void beat(), options.settings.heartbeatSeconds * 1000);
  options.log(`worker ${id.slice(0, 8)} on ${hostname()} pid ${process.pid}, version ${options.version}: queues ${kinds.map((k) => `${queueName(k, options.version)} × ${lanesOf(k)}`).join(', ')}`);

  const jobAbort = new AbortController();
  // jobs failed at the stop deadline: pg-boss may already have handed them to another worker, so this one's
  // late outcome must not complete or fail them
  const released = new Set<string>();
  // one pool of comparison threads for every verification job of this process, started by the first one
  let comparer: ViewComparer | undefined;
  const lanes = kinds.flatMap((kind) => Array.from({ length: lanesOf(kind) }, () => lane(kind)));

  async function lane(kind: JobKind): Promise<void> {
    const name = queueName(kind, options.version);
    while (!options.signal.aborted) {
      let jobs: PgBoss.Job<unknown>[] = [];
      try {
        jobs = await q.boss.fetch<unknown>(name, { batchSize: 1 });
      } catch (error) {
        options.log(`fetch from ${name} failed (${(error as Error).message}); retrying`);
      }
      const job = jobs[0];
      if (!job) {
        await sleep(options.settings.pollSeconds * 1000, options.signal);
        continue;
      }
      running.set(job.id, { id: job.id, queue: name, kind, since: new Date().toISOString() });
      void beat();
      try {
        const output = await runJob(kind, job.data, job.id);
        if (released.has(job.id)) continue;
        await q.retry('completing a job', () => q.boss.complete(name, job.id, toOutput(output)));
        stats.jobsDone++;
      } catch (error) {
        stats.jobsFailed++;
        const message = (error as Error).message;
        options.log(`job ${job.id.slice(0, 8)} (${kind}) ${released.has(job.id) ? 'stopped after its release' : 'failed'}: ${message}`);
        if (released.has(job.id)) continue;
        await q.retry('failing a job', () => q.boss.fail(name, job.id, { message, host: hostname(), pid: process.pid })).catch((e: unknown) => options.log(`could not fail job ${job.id}: ${(e as Error).message}; its lease will expire`));
      } finally {
        running.delete(job.id);
      }
    }
  }

  async function runJob(kind: JobKind, data: unknown, jobId: string): Promise<unknown> {
    if ((data as { version?: unknown })?.version !== options.version) {
      throw new Error(`job of version ${String((data as { version?: unknown })?.version)} on a worker of version ${options.version}`);
    }
    if (kind === 'audit-hash') return runHashShard(q, hashShardSchema.parse(data), options.hooks);
    if (kind === 'audit-verify') return runVerifyShard(q, verifyShardSchema.parse(data), (comparer ??= workerComparer()));
    const handler = options.handlers?.[kind];
    if (!handler) throw new Error(`this worker has no handler for ${kind} jobs`);
    return handler(data, { jobId, log: options.log, signal: jobAbort.signal });
  }

  const all = Promise.all(lanes);
  await new Promise<void>((resolve) => (options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), { once: true })));
  options.log(`stopping: ${running.size} job(s) running; waiting up to ${options.settings.stopTimeoutSeconds} s for them`);
  const finished = await Promise.race([all.then(() => true), sleep(options.settings.stopTimeoutSeconds * 1000).then(() => false)]);
  if (!finished) {
    await release(q, running, released, jobAbort, options.log);
    // released jobs were told to stop (training checkpoints and marks its run interrupted): let them end first
    await Promise.race([all, sleep(options.settings.stopTimeoutSeconds * 1000)]);
  }
  clearInterval(heartbeat);
  await comparer?.close();
  await q.retry('deregistering the worker', () => q.pool.query('update queue_workers set last_seen = now(), stopped_at = now(), current_jobs = $2 where id = $1', [id, '[]'])).catch(() => undefined);
  await q.close();
  return stats;
}

/**
 * Every heartbeat moves the lease of each job this worker runs to `lease` seconds from now (pg-boss expires a job
 * at started_on + expire_in and has no call to extend it). So a lease only has to outlast a few missed heartbeats,
 * not the job: a killed worker's training is retried after minutes, and a training longer than any fixed lease
 * is never handed to a second worker while the first still trains it.
 */
async function renewLeases(q: QueueConnection, jobs: RunningJob[], settings: QueueSettings): Promise<void> {
  if (jobs.length === 0) return;
  const leases = jobs.map((j) => ({ id: j.id, queue: j.queue, lease: j.kind === 'train' ? settings.trainLeaseSeconds : settings.leaseSeconds }));
  await q.pool.query(
    `update pgboss.job j set expire_in = (now() - j.started_on) + make_interval(secs => r.lease)
     from jsonb_to_recordset($1::jsonb) as r(id uuid, queue text, lease int)
     where j.name = r.queue and j.id = r.id and j.state = 'active'`,
    [JSON.stringify(leases)],
  );
}

/** Jobs still running at the stop deadline are failed with a note, which hands them to pg-boss for a retry. */
async function release(q: QueueConnection, running: Map<string, RunningJob>, released: Set<string>, jobAbort: AbortController, log: (line: string) => void): Promise<void> {
  for (const job of running.values()) released.add(job.id);
  jobAbort.abort();
  for (const job of running.values()) {
    await q.boss.fail(job.queue, job.id, { message: 'released: the worker was stopped before the job finished' }).catch(() => undefined);
    log(`released job ${job.id.slice(0, 8)} (${job.kind}) for another worker`);
  }
}

export function parseQueues(queues: string[]): JobKind[] {
  const kinds = new Set<JobKind>();
  for (const group of queues) {
    const members = queueGroups[group.trim()];
    if (!members) throw new DistributedModeError(`unknown queue '${group}'`, { code: 'unknown-queue', hint: `use --queues ${Object.keys(queueGroups).join(',')}` });
    members.forEach((k) => kinds.add(k));
  }
  return [...kinds];
}

function toOutput(value: unknown): object | undefined {
  return value && typeof value === 'object' ? (value as object) : undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
