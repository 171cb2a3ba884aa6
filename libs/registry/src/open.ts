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
import { RegistryError } from './errors.js';
import { markInterruptedRuns } from './query-repo.js';
import { Registry } from './registry.js';
import * as schema from './schema.js';

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
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

async function openPostgres(url: string, onError: (error: Error) => void): Promise<Registry> {
  const pool = new pg.Pool({ connectionString: url, max: 4, options: sessionOptions.map(([k, v]) => `-c ${k}=${v}`).join(' ') });
  pool.on('error', onError);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new RegistryError(
      `cannot connect to PostgreSQL at ${redact(url)}: ${(error as Error).message}`,
      'check DATABASE_URL (server running, user, database), or unset it to use the embedded registry under .leakproof/registry',
      'connect',
    );
  }
  try {
    await client.query('select pg_advisory_lock($1)', [migrationLockKey]);
    await migrateNodePg(drizzleNodePg({ client, schema }), { migrationsFolder });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [migrationLockKey]).catch(() => undefined);
    client.release();
  }
  const db = drizzleNodePg({ client: pool, schema }) as unknown as RegistryDb;
  return new Registry(db, 'postgres', () => pool.end());
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
    return new Registry(db as unknown as RegistryDb, 'pglite', async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    });
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
  const registry = opts.databaseUrl ? await openPostgres(opts.databaseUrl, onError) : await openPglite(opts.dir);
  try {
    await markInterruptedRuns(registry.db, opts.staleHeartbeatMs ?? 15 * 60_000);
  } catch (error) {
    await registry.close();
    throw error;
  }
  return registry;
}
