import { join } from 'node:path';
import { openRegistry, type OpenRegistryOptions, type Registry } from '@leakproof/registry';
import type { CliContext } from './context.js';
import { UserError } from './errors.js';

/** DATABASE_URL when set (PostgreSQL), else the embedded PGlite store under <cwd>/.leakproof/registry. */
export function registryLocation(ctx: CliContext): OpenRegistryOptions {
  const databaseUrl = ctx.env['DATABASE_URL'];
  return databaseUrl ? { databaseUrl } : { dir: join(ctx.cwd, '.leakproof', 'registry') };
}

/** Opens the registry for the duration of `use` and always closes it (PGlite keeps a lock while open). */
export async function withRegistry<T>(ctx: CliContext, use: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = await openRegistry({
    ...registryLocation(ctx),
    onConnectionError: (error) => ctx.stderr.write(`leakproof: registry connection error: ${error.message}\n`),
  });
  try {
    return await use(registry);
  } finally {
    await registry.close();
  }
}

/**
 * Runs work with a signal that Ctrl-C aborts: a registry query then cancels its statement on the server instead of
 * leaving a PostgreSQL backend busy after the CLI has gone. A second Ctrl-C kills the process as usual.
 */
export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = (): void => controller.abort();
  process.once('SIGINT', onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** Parses a positive integer option such as --limit, or says which flag is wrong. */
export function positiveInt(value: unknown, flag: string, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UserError(`${flag} must be a positive whole number, got '${String(value)}'`, `e.g. ${flag} 20`);
  }
  return n;
}
