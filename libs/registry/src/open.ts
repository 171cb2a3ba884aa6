import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { RegistryDb } from './db.js';
import { acquireDirLock, type DirLock } from './dir-lock.js';
import { redactUrl } from '@leakproof/core';
import { RegistryError } from './errors.js';
import { markInterruptedRuns } from './query-repo.js';
import { Registry } from './registry.js';
import * as schema from './schema.js';
import { inProcessSession, postgresSession } from './session.js';

/** drizzle-kit output at the repository root, shared by both stores. */
export const migrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

// Any fixed 64-bit number: serialises concurrent migrators on one server.
const migrationLockKey = 7_310_052_104_411;

/**
 * Registry queries are short and interactive: parallel workers and JIT only add start-up latency on them,
 * a larger work_mem keeps each filter's set of run ids a hashed subplan on big registries.
 */
const sessionOptions: [string, string][] = [
  ['max_parallel_workers_per_gather', '0'],
  ['jit', 'off'],
  ['work_mem', '64MB'],
  // the filter indexes are small and stay cached: at the default 4 a few thousand primary-key probes look
  // dearer than hashing every run, and the planner seq-scans runs for a filter matching 1,000 of them
  ['random_page_cost', '1.1'],
];

export interface OpenRegistryOptions {
  /** postgres://… : use that server (node-postgres pool). Takes precedence over dir. */
  databaseUrl?: string;
  /** PGlite data lives in <dir>/pgdata, guarded by <dir>/registry.lock. Neither option: in-memory PGlite. */
  dir?: string;
  /** a 'running' run on another host (or without pid) counts as dead after this long without heartbeat; default 15 min */
  staleHeartbeatMs?: number;
  /** idle-connection errors from the pool; default: a line on stderr */
  onConnectionError?: (error: Error) => void;
  /**
   * PostgreSQL only: the server cancels any registry statement running longer (SQLSTATE 57014, reported as a
   * RegistryError with code 'query-timeout'); default 30 s, 0 for none. PGlite cannot time out a statement
   * (no timers inside WebAssembly): there the filter bounds (filterLimits) keep queries short.
   */
  statementTimeoutMs?: number;
}

export const defaultStatementTimeoutMs = 30_000;

async function openPostgres(url: string, onError: (error: Error) => void, statementTimeoutMs: number): Promise<Registry> {
  const options = [...sessionOptions, ['statement_timeout', String(Math.max(0, Math.round(statementTimeoutMs)))]];
  const config = { connectionString: url, options: options.map(([k, v]) => `-c ${k}=${v}`).join(' ') };
  const pool = new pg.Pool({ ...config, max: 4 });
  pool.on('error', onError);
  // PostgreSQL 14+: a backend whose client vanished (Ctrl-C, kill -9) stops its query within 2 s instead of running
  // it to the end; older servers reject the setting, which changes nothing else
  pool.on('connect', (client) => void client.query('set client_connection_check_interval = 2000').catch(() => undefined));
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new RegistryError(
      `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`,
      'check DATABASE_URL (server running, user, database), or unset it to use the embedded registry under .leakproof/registry',
      'connect',
    );
  }
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLockKey]);
    // migrations may build indexes on a large registry: no statement timeout for them
    await client.query('set statement_timeout = 0');
    await migrateNodePg(drizzleNodePg({ client, schema }), { migrationsFolder });
  } finally {
    await client.query('reset statement_timeout').catch(() => undefined);
    await client.query('select pg_advisory_unlock($1)', [migrationLockKey]).catch(() => undefined);
    client.release();
  }
  const db = drizzleNodePg({ client: pool, schema }) as unknown as RegistryDb;
  return new Registry(db, 'postgres', () => pool.end(), postgresSession(pool, db, config));
}

async function openPglite(dir: string | undefined): Promise<Registry> {
  let lock: DirLock | undefined;
  if (dir) lock = acquireDirLock(dir);
  try {
    const client = dir ? new PGlite(join(dir, 'pgdata')) : new PGlite();
    await client.waitReady;
    for (const [k, v] of sessionOptions) await client.query(`set ${k} = '${v}'`);
    const db = drizzlePglite({ client, schema });
    await migratePglite(db, { migrationsFolder });
    const registryDb = db as unknown as RegistryDb;
    const close = async (): Promise<void> => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    };
    return new Registry(registryDb, 'pglite', close, inProcessSession(registryDb));
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/**
 * Opens the registry: PostgreSQL when databaseUrl is given, else PGlite (in `dir`, or in memory).
 * Applies pending migrations, then marks runs whose process died as 'interrupted'.
 */
export async function openRegistry(opts: OpenRegistryOptions = {}): Promise<Registry> {
  const onError = opts.onConnectionError ?? ((e: Error) => process.stderr.write(`leakproof: registry connection error: ${e.message}\n`));
  const registry = opts.databaseUrl
    ? await openPostgres(opts.databaseUrl, onError, opts.statementTimeoutMs ?? defaultStatementTimeoutMs)
    : await openPglite(opts.dir);
  try {
    await markInterruptedRuns(registry.db, opts.staleHeartbeatMs ?? 15 * 60_000);
  } catch (error) {
    await registry.close();
    throw error;
  }
  return registry;
}
