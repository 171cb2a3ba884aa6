import { z } from 'zod';
import { connectQueue } from './connection.js';
import { deterministicJobId } from './job-ids.js';
import { queueName, type QueueSettings } from './settings.js';

/** A training job of a sweep: the experiment config, this point's overrides, and the audit every run binds to. */
export const sweepJobSchema = z.object({
  version: z.string(),
  sweepId: z.string(),
  index: z.number().int().min(0),
  overrides: z.array(z.string()),
  values: z.record(z.string(), z.unknown()),
  /** the experiment config as the coordinator parsed it (dataset.root absolute) */
  config: z.record(z.string(), z.unknown()),
  verbatim: z.string(),
  /** the recorded audit of the planned splits, and their fingerprint: a worker refuses data that differs */
  auditId: z.number().int(),
  fingerprint: z.string(),
});
export type SweepJob = z.infer<typeof sweepJobSchema>;

export async function enqueueSweep(databaseUrl: string | undefined, options: { version: string; settings: QueueSettings; jobs: SweepJob[]; log?: (line: string) => void }): Promise<void> {
  const q = await connectQueue(databaseUrl, { settings: options.settings, version: options.version, supervise: false, ...(options.log ? { log: options.log } : {}) });
  try {
    const name = queueName('train', options.version);
    const rows = options.jobs.map((data) => ({
      id: deterministicJobId('train', options.version, data.sweepId, String(data.index)),
      name,
      data,
      retryLimit: options.settings.retryLimit,
      retryDelay: options.settings.retryDelaySeconds,
      expireInSeconds: options.settings.trainLeaseSeconds,
    }));
    await q.retry('enqueueing the sweep', () => q.boss.insert(rows));
  } finally {
    await q.close();
  }
}

export interface SweepJobState {
  index: number;
  values: Record<string, unknown>;
  state: string;
  retryCount: number;
  output: unknown;
  /** why the last attempt failed (a worker's error, or pg-boss's lease expiry), when it did */
  error?: string;
}

/** The sweep's jobs as pg-boss holds them (live table and archive), by configuration index. */
export async function sweepJobStates(databaseUrl: string | undefined, options: { version: string; settings: QueueSettings; sweepId: string }): Promise<SweepJobState[]> {
  const q = await connectQueue(databaseUrl, { settings: options.settings, version: options.version, supervise: false });
  try {
    const name = queueName('train', options.version);
    const select = (table: string): string => `select data, state, retry_count, output from pgboss.${table} where name = $1 and data->>'sweepId' = $2`;
    const { rows } = await q.retry('reading the sweep', () =>
      q.pool.query<{ data: SweepJob; state: string; retry_count: number; output: unknown }>(`${select('job')} union all ${select('archive')}`, [name, options.sweepId]),
    );
    return rows.map((r) => ({ index: r.data.index, values: r.data.values, state: r.state, retryCount: r.retry_count, output: r.output, ...errorOf(r.state, r.output) })).sort((a, b) => a.index - b.index);
  } finally {
    await q.close();
  }
}

/** A failed attempt's message: a worker fails a job with { message, host }, pg-boss an expired one with { value: { message } }. */
function errorOf(state: string, output: unknown): { error?: string } {
  if (state !== 'failed' && state !== 'retry') return {};
  const o = output as { message?: unknown; host?: unknown; value?: { message?: unknown } } | null;
  const message = o?.message ?? o?.value?.message;
  if (typeof message !== 'string') return {};
  return { error: typeof o?.host === 'string' ? `${message} (on ${o.host})` : message };
}
