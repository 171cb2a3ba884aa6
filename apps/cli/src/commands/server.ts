import { embeddedRegistryDir } from '@leakproof/core/node';
import { openRegistry } from '@leakproof/registry';
import { isLoopback, liveOwner, newToken, startServer } from '@leakproof/server';
import type { CommandHandler } from '../command-table.js';
import { log } from '../context.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { registryLocation } from '../registry-access.js';
import { parseOptions, textOption, wholeNumberOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof server` (also what `leakproof ui` passes when it starts one). */
export const serverOptions = z.object({
  host: textOption('127.0.0.1'),
  port: wholeNumberOption(5000, 0, 65_535, 'e.g. {flag} 5000 (0: any free port)'),
});

/** Resolves when the process is asked to stop (Ctrl-C, kill). */
function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `leakproof server`: the registry over HTTP - Leakproof's /api/v1, MLflow's tracking API and the dashboard - until
 * stopped. On the embedded store it becomes the store's one owner: other commands go through it (server.json).
 */
export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const { host, port } = parseOptions(serverOptions, rawOpts);
  const location = registryLocation(ctx);
  if (location.dir) {
    const owner = liveOwner(location.dir);
    if (owner) throw new UserError(`a leakproof server already serves this registry at ${owner.url} (pid ${owner.pid})`, 'use that one, or stop it first');
  }
  const loopback = isLoopback(host);
  const token = (ctx.env['LEAKPROOF_SERVER_TOKEN'] || undefined) ?? (loopback ? undefined : newToken());
  const registry = await openRegistry({ ...location, onConnectionError: (error) => log(ctx, `leakproof: registry connection error: ${error.message}`) });
  let server;
  try {
    server = await startServer({ registry, cwd: ctx.cwd, host, port, announce: Boolean(location.dir), log: (line) => log(ctx, line), ...(token ? { token } : {}) });
  } catch (error) {
    await registry.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UserError(`port ${port} on ${host} is already in use`, 'pick another with --port, or --port 0 for any free port');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UserError(`cannot bind to host '${host}'`, 'use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface, needs the token)');
    throw error;
  }
  const store = location.dir ? `the embedded registry in ${embeddedRegistryDir(ctx.cwd)}` : 'PostgreSQL (DATABASE_URL)';
  log(ctx, `leakproof server: serving ${store} at ${server.url}`);
  log(ctx, `  MLflow clients: MLFLOW_TRACKING_URI=${server.url}`);
  if (token && !ctx.env['LEAKPROOF_SERVER_TOKEN']) {
    // printed once, never stored outside server.json (mode 0600)
    log(ctx, `  access token (shown once; clients send Authorization: Bearer <token>, MLflow: MLFLOW_TRACKING_TOKEN):\n  ${token}`);
  }
  log(ctx, '  stop with Ctrl-C');
  const signal = await untilSignalled();
  log(ctx, `leakproof server: ${signal}, stopping`);
  try {
    await server.close();
  } finally {
    await registry.close();
  }
  return result({ url: server.url, stopped: signal });
};
