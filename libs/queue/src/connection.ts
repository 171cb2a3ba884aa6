import pg from 'pg';
import PgBoss from 'pg-boss';
import { openRegistry } from '@leakproof/registry';
import { requirePostgres } from './errors.js';
import { jobKinds, queueName, type QueueSettings } from './settings.js';

export interface QueueConnection {
  boss: PgBoss;
  /** Leakproof's own tables (audit_hashes, audit_pair_scores, queue_workers) */
  pool: pg.Pool;
  settings: QueueSettings;
  /** runs `fn`, retrying while PostgreSQL is unreachable or our backend was terminated */
  retry: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  close: () => Promise<void>;
}

export interface ConnectOptions {
  settings: QueueSettings;
  log?: (line: string) => void;
  /** how long to keep retrying a lost connection before giving up; default 120 s */
  reconnectSeconds?: number;
  /** pg-boss runs supervision (lease expiry, archiving) from every connected process, one at a time */
  supervise?: boolean;
  /** the queues to create for this version (idempotent) */
  version: string;
}

const transientCodes = new Set(['40P01', '57P01', '57P02', '57P03', '53300', '08000', '08003', '08006', '08001', '08004']);

/** A lost or refused connection, as opposed to an error in the statement itself. */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code && (transientCodes.has(e.code) || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e.code))) return true;
  return /Connection terminated|connection error|not queryable|terminating connection|Client was closed/i.test(e.message ?? '');
}

/**
 * Opens the shared queue: runs the registry migrations (which create Leakproof's queue tables), starts
 * pg-boss (which creates and migrates its own `pgboss` schema) and makes sure this version's queues exist.
 */
export async function connectQueue(databaseUrl: string | undefined, options: ConnectOptions): Promise<QueueConnection> {
  const url = requirePostgres(databaseUrl);
  const log = options.log ?? (() => undefined);
  const { settings } = options;
  const registry = await openRegistry({ databaseUrl: url });
  await registry.close();

  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on('error', (error) => log(`queue: idle connection lost (${error.message}); reconnecting on next use`));
  const boss = new PgBoss({
    connectionString: url,
    max: 3,
    application_name: 'leakproof-queue',
    supervise: options.supervise ?? true,
    schedule: false,
    maintenanceIntervalSeconds: settings.maintenanceSeconds,
    expireInSeconds: settings.leaseSeconds,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
  });
  let lastBossError = 0;
  boss.on('error', (error) => {
    // pg-boss reports each failed poll; a connection loss would repeat this every poll interval
    if (Date.now() - lastBossError > 5_000) log(`queue: ${error.message}`);
    lastBossError = Date.now();
  });
  const reconnectMs = (options.reconnectSeconds ?? 120) * 1000;
  const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!isConnectionError(error) || Date.now() - started > reconnectMs) throw error;
        if (attempt === 0) log(`queue: connection lost during ${what} (${(error as Error).message}); reconnecting`);
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
      }
    }
  };
  const close = async (): Promise<void> => {
    await boss.stop({ graceful: false, close: true, wait: true, timeout: 1_000 }).catch(() => undefined);
    await pool.end().catch(() => undefined);
  };
  try {
    await retry('pg-boss start', () => boss.start());
    await retry('queue creation', () => createQueues(boss, pool, options.version));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    boss,
    pool,
    settings,
    retry,
    close,
  };
}

// Any fixed 64-bit number: serialises queue creation (pg-boss's createQueue deadlocks when two processes race).
const queueCreationLockKey = 7_310_052_104_412;

/** This version's queues, created once under an advisory lock (idempotent). */
async function createQueues(boss: PgBoss, pool: pg.Pool, version: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [queueCreationLockKey]);
    for (const kind of jobKinds) {
      const name = queueName(kind, version);
      if (!(await boss.getQueue(name))) await boss.createQueue(name, { name, policy: 'standard' });
    }
  } finally {
    await client.query('select pg_advisory_unlock($1)', [queueCreationLockKey]).catch(() => undefined);
    client.release();
  }
}
