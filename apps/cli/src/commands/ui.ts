import { spawn } from 'node:child_process';
import { isLoopback, liveOwner } from '@leakproof/server';
import type { CommandHandler } from '../command-table.js';
import { log, type CliContext } from '../context.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { registryLocation } from '../registry-access.js';
import { flagOption, parseOptions, textOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof ui`; host and port are checked by `leakproof server` when one is started. */
export const uiOptions = z.object({
  host: textOption('127.0.0.1'),
  port: textOption('5000'),
  open: flagOption(),
});

/** Whether a running server answers the dashboard (train and demo serve their store without it). */
async function servesDashboard(url: string, token: string | undefined): Promise<boolean> {
  try {
    const res = await fetch(`${url}/api/ui/audits`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(3000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Opens the URL in the desktop's browser, only when asked (--open) and never in CI or without a terminal. */
function openBrowser(ctx: CliContext, url: string): void {
  if (ctx.env['CI'] || !ctx.interactive) return;
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => log(ctx, `could not start ${opener}; open ${url} yourself`));
  child.unref();
}

/**
 * `leakproof ui`: the dashboard. When a `leakproof server` already serves this project's registry, prints its URL;
 * otherwise starts one in the foreground (what `leakproof server` does) and prints the dashboard's URL.
 */
export const run: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(uiOptions, rawOpts);
  const location = registryLocation(ctx);
  const owner = location.dir ? liveOwner(location.dir) : undefined;
  if (owner) {
    if (!(await servesDashboard(owner.url, owner.token))) {
      throw new UserError(
        `the registry is held by process ${owner.pid} (${owner.url}), which serves it without the dashboard (a train or demo in progress)`,
        'wait for it to finish, then run `leakproof ui` again; or use PostgreSQL (DATABASE_URL), which any number of processes share',
      );
    }
    const url = `${owner.url}/runs`;
    log(ctx, `the dashboard is served by process ${owner.pid}`);
    ctx.stdout.write(`${url}\n`);
    if (opts.open) openBrowser(ctx, url);
    return result({ url, started: false });
  }
  const { host, port } = opts;
  if (!isLoopback(host)) {
    // beyond loopback every request needs `Authorization: Bearer`, which a browser's page and image loads cannot send
    log(ctx, `note: beyond loopback the server requires its token, which a browser cannot send; for the dashboard from another machine keep the default host and tunnel: ssh -L ${port}:127.0.0.1:${port} <this host>`);
  }
  if (port !== '0') {
    const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    ctx.stdout.write(`dashboard: http://${shown}:${port}/runs\n`);
    if (opts.open) setTimeout(() => openBrowser(ctx, `http://${shown}:${port}/runs`), 1500).unref();
  }
  const server = await import('./server.js');
  return server.run(ctx, args, { host, port });
};
