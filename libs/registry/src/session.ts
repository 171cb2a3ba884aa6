import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { RegistryDb } from './db.js';
import { RegistryError } from './errors.js';
import * as schema from './schema.js';

/**
 * Runs a unit of registry work that the caller may cancel. On PostgreSQL, an abort cancels the statement on
 * the server (pg_cancel_backend from a second connection); on PGlite, which runs in this thread and cannot be
 * interrupted mid-statement, the signal is checked between statements.
 */
export type Session = <T>(signal: AbortSignal | undefined, work: (db: RegistryDb) => Promise<T>) => Promise<T>;

export function cancelledError(cause?: unknown): RegistryError {
  return new RegistryError('the query was cancelled', undefined, 'query-cancelled', cause);
}

/** After an abort, whatever the work threw (a cancelled statement, or nothing) becomes one cancellation error. */
function settle(signal: AbortSignal | undefined, error: unknown): never {
  if (signal?.aborted) throw cancelledError(error);
  throw error;
}

export function inProcessSession(db: RegistryDb): Session {
  return async (signal, work) => {
    if (signal?.aborted) throw cancelledError();
    try {
      const out = await work(db);
      if (signal?.aborted) throw cancelledError();
      return out;
    } catch (error) {
      settle(signal, error);
    }
  };
}

type ClientWithPid = pg.PoolClient & { processID: number | null };

/** Asks the server to cancel what backend `pid` runs, from a short-lived connection of its own (the pool may be full). */
async function cancelBackend(config: pg.ClientConfig, pid: number): Promise<void> {
  const client = new pg.Client(config);
  try {
    await client.connect();
    await client.query('select pg_cancel_backend($1)', [pid]);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Without a signal, work runs on the pool. With one, it gets a connection of its own so the backend to cancel
 * is known; the connection goes back to the pool only after any cancel request has been answered, so the
 * cancel can never hit the next user of that backend.
 */
export function postgresSession(pool: pg.Pool, db: RegistryDb, config: pg.ClientConfig): Session {
  return async (signal, work) => {
    if (!signal) return work(db);
    if (signal.aborted) throw cancelledError();
    const client = (await pool.connect()) as ClientWithPid;
    let cancelling: Promise<void> | undefined;
    const onAbort = (): void => {
      if (client.processID !== null) cancelling = cancelBackend(config, client.processID);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) throw cancelledError();
      return await work(drizzleNodePg({ client, schema }) as unknown as RegistryDb);
    } catch (error) {
      settle(signal, error);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await cancelling?.catch(() => undefined);
      client.release();
    }
  };
}
