import type { TrackingEndpoint } from '@leakproof/experiment';
import { embeddedRegistryDir } from '@leakproof/core/node';
import { openRegistry, Registry, type OpenRegistryOptions, type RegistryApi } from '@leakproof/registry';
import { liveOwner, openServedRegistry, RemoteRegistry, startServer, type RunningServer } from '@leakproof/server';
import type { CliContext } from './context.js';

/** DATABASE_URL when set (PostgreSQL), else the embedded PGlite store under <cwd>/.leakproof/registry. */
export function registryLocation(ctx: CliContext): OpenRegistryOptions {
  const databaseUrl = ctx.env['DATABASE_URL'];
  return databaseUrl ? { databaseUrl } : { dir: embeddedRegistryDir(ctx.cwd) };
}

export interface RegistryAccessOptions {
  /**
   * Long-running commands (train, demo, run) set this: when they own the embedded store they also serve it on an
   * ephemeral loopback port (announced in .leakproof/registry/server.json) so other commands can read meanwhile.
   */
  serve?: boolean;
}

// registries this process serves, so trackingEndpoint() reuses the server instead of starting another
const served = new WeakMap<RegistryApi, RunningServer>();

/**
 * The registry for the duration of `use`, always released afterwards. On the embedded store only one process may
 * hold PGlite: when a server owns it (server.json with a live pid) the commands go through that server over HTTP.
 */
export async function withRegistry<T>(ctx: CliContext, use: (registry: RegistryApi) => Promise<T>, opts: RegistryAccessOptions = {}): Promise<T> {
  const location = registryLocation(ctx);
  if (location.dir) {
    const owner = liveOwner(location.dir);
    if (owner) return use(new RemoteRegistry(owner.url, owner.token));
    if (opts.serve) {
      const own = await openServedRegistry(ctx.cwd);
      served.set(own.registry, own.server);
      try {
        return await use(own.registry);
      } finally {
        await own.close();
      }
    }
  }
  const opened = await openOrFindOwner(ctx, location);
  if (opened instanceof RemoteRegistry) return use(opened);
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}

const lockWaitMs = 10_000;

/**
 * Opens the store; while another process holds the embedded store briefly (a `runs list`), waits for it, and if
 * that process turns out to serve it (a `train` that just started), goes through its server instead.
 */
async function openOrFindOwner(ctx: CliContext, location: OpenRegistryOptions): Promise<Registry | RemoteRegistry> {
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      return await openRegistry({ ...location, onConnectionError: (error) => ctx.stderr.write(`leakproof: registry connection error: ${error.message}\n`) });
    } catch (error) {
      if (!location.dir || (error as { code?: unknown }).code !== 'registry-locked' || Date.now() > deadline) throw error;
      await new Promise((done) => setTimeout(done, 100));
      const owner = liveOwner(location.dir);
      if (owner) return new RemoteRegistry(owner.url, owner.token);
    }
  }
}

export type { TrackingEndpoint };

/**
 * A tracking server for a child process (`leakproof run`): the server already serving this registry (standalone
 * or in-process), else one started now on an ephemeral loopback port over the registry (e.g. on PostgreSQL).
 */
export async function trackingEndpoint(ctx: CliContext, registry: RegistryApi): Promise<TrackingEndpoint> {
  const noop = async () => undefined;
  if (registry instanceof RemoteRegistry) return { uri: registry.url, ...(registry.token ? { token: registry.token } : {}), close: noop };
  const existing = served.get(registry);
  if (existing) return { uri: existing.url, close: noop };
  if (!(registry instanceof Registry)) throw new Error('trackingEndpoint: unknown registry implementation');
  const server = await startServer({ registry, cwd: ctx.cwd, host: '127.0.0.1', port: 0, ui: false });
  return { uri: server.url, close: () => server.close() };
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
