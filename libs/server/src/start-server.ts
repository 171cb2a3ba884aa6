import { embeddedRegistryDir } from '@leakproof/core/node';
import { openRegistry, type Registry } from '@leakproof/registry';
import type { FastifyInstance } from 'fastify';
import { createServer } from './create-server.js';
import { newToken, removeOwnerFile, writeOwnerFile } from './owner-file.js';

const sweepMs = 60_000;

export const isLoopback = (host: string) => host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);

export interface StartOptions {
  registry: Registry;
  cwd: string;
  host?: string;
  /** 0: an ephemeral port */
  port?: number;
  /** required beyond loopback; generated when missing there */
  token?: string;
  /** announce in <cwd>/.leakproof/registry/server.json (embedded store only): other commands then use this server */
  announce?: boolean;
  ui?: boolean;
  logger?: boolean;
  webDist?: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  token: string | undefined;
  app: FastifyInstance;
  /** stops listening and withdraws server.json; the registry stays open (its owner closes it) */
  close(): Promise<void>;
}

/** Listens over an open registry. Binding beyond loopback always needs a token (generated if none is given). */
export async function startServer(opts: StartOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? (isLoopback(host) ? undefined : newToken());
  const app = await createServer(
    { registry: opts.registry, cwd: opts.cwd, store: opts.registry.kind, ...(token ? { token } : {}), ...(opts.webDist ? { webDist: opts.webDist } : {}), ...(opts.log ? { log: opts.log } : {}) },
    { ...(opts.logger !== undefined ? { logger: opts.logger } : {}), ...(opts.ui !== undefined ? { ui: opts.ui } : {}) },
  );
  await app.listen({ host, port: opts.port ?? 5000 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  const registryDir = embeddedRegistryDir(opts.cwd);
  if (opts.announce) writeOwnerFile(registryDir, { url, ...(token ? { token } : {}) });
  // runs whose process died while this server lives (a crashed `train` that logged through it) are marked
  // interrupted, as opening the registry does
  const sweep = setInterval(() => void opts.registry.markInterruptedRuns().catch(() => undefined), sweepMs);
  sweep.unref();
  let closed = false;
  return {
    url,
    token,
    app,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
      if (opts.announce) removeOwnerFile(registryDir);
      await app.close();
    },
  };
}

/**
 * For long-running commands that own the embedded store (train, demo, run): open it and serve it on an ephemeral
 * loopback port, announced in server.json, so `runs list`, `runs show`, `history` and the API answer meanwhile.
 */
export async function openServedRegistry(cwd: string, opts: { log?: (line: string) => void } = {}): Promise<{ registry: Registry; server: RunningServer; close(): Promise<void> }> {
  const registry = await openRegistry({ dir: embeddedRegistryDir(cwd) });
  let server: RunningServer;
  try {
    server = await startServer({ registry, cwd, host: '127.0.0.1', port: 0, announce: true, ui: false, ...(opts.log ? { log: opts.log } : {}) });
  } catch (error) {
    await registry.close();
    throw error;
  }
  return {
    registry,
    server,
    async close() {
      try {
        await server.close();
      } finally {
        await registry.close();
      }
    },
  };
}
