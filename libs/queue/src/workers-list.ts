import pg from 'pg';
import { redactUrl } from '@leakproof/core';
import { DistributedModeError, requirePostgres } from './errors.js';

export interface WorkerStatus {
  id: string;
  host: string;
  pid: number;
  version: string;
  queues: string[];
  concurrency: number;
  currentJobs: { id: string; kind: string; since: string }[];
  startedAt: Date;
  lastSeen: Date;
  stoppedAt: Date | null;
  /** running: heartbeat within 3 intervals; silent: no heartbeat since (killed, or cut off); stopped: clean stop */
  status: 'running' | 'silent' | 'stopped';
}

/** The worker fleet as its heartbeats show it, newest first (stopped or silent ones heard from in the last day). */
export async function listWorkers(databaseUrl: string | undefined, options: { heartbeatSeconds: number }): Promise<WorkerStatus[]> {
  const url = requirePostgres(databaseUrl);
  const client = new pg.Client({ connectionString: url });
  await client.connect().catch((error: unknown) => {
    throw new DistributedModeError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`, { code: 'connect', hint: 'check DATABASE_URL (server running, user, database); every worker and coordinator uses the same one' });
  });
  try {
    const exists = await client.query(`select to_regclass('public.queue_workers') as t`);
    if (!exists.rows[0]?.t) return [];
    const { rows } = await client.query(
      `select id, host, pid, version, queues, concurrency, current_jobs, started_at, last_seen, stopped_at, extract(epoch from now() - last_seen) as age
       from queue_workers where coalesce(stopped_at, last_seen) > now() - interval '1 day' order by started_at desc`,
    );
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      version: r.version,
      queues: r.queues,
      concurrency: r.concurrency,
      currentJobs: r.current_jobs,
      startedAt: r.started_at,
      lastSeen: r.last_seen,
      stoppedAt: r.stopped_at,
      status: r.stopped_at ? 'stopped' : Number(r.age) <= 3 * options.heartbeatSeconds ? 'running' : 'silent',
    }));
  } finally {
    await client.end();
  }
}
