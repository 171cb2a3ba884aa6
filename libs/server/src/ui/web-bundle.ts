import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/web in this checkout (the server and the web app ship together; nothing is downloaded). */
export const webAppDir = fileURLToPath(new URL('../../../../apps/web/', import.meta.url));
export const defaultWebDist = join(webAppDir, 'dist');

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestMtime(join(path, entry)));
  return newest;
}

/** The sources the bundle is built from: the app and the shared contracts it parses answers with. */
const sources = () => [join(webAppDir, 'src'), join(webAppDir, 'index.html'), join(webAppDir, 'vite.config.ts'), fileURLToPath(new URL('../../../core/src', import.meta.url))];

export async function webBundleIsStale(dist = defaultWebDist): Promise<boolean> {
  const index = join(dist, 'index.html');
  if (!existsSync(index)) return true;
  const built = (await stat(index)).mtimeMs;
  for (const s of sources()) if (existsSync(s) && (await newestMtime(s)) > built) return true;
  return false;
}

let building: Promise<string> | undefined;

/**
 * Builds apps/web with Vite when dist is missing or older than its sources (first start after install or
 * after a pull), into a temporary folder renamed into place, so a concurrent server never serves half a build.
 */
export function ensureWebBundle(opts: { dist?: string; log?: (line: string) => void } = {}): Promise<string> {
  const dist = opts.dist ?? defaultWebDist;
  building ??= (async () => {
    if (!(await webBundleIsStale(dist))) return dist;
    const started = Date.now();
    opts.log?.('building the web dashboard (first start or changed sources)…');
    const tmp = `${dist}.tmp-${process.pid}`;
    const { build } = await import('vite');
    await build({ configFile: join(webAppDir, 'vite.config.ts'), logLevel: 'error', build: { outDir: tmp, emptyOutDir: true } });
    await mkdir(dirname(dist), { recursive: true });
    await rm(dist, { recursive: true, force: true });
    await rename(tmp, dist);
    opts.log?.(`web dashboard built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return dist;
  })().finally(() => {
    building = undefined;
  });
  return building;
}
