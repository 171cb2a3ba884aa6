import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

/**
 * Strict CSP for the dashboard: scripts, styles, images and fetches only from this origin, nothing inline,
 * no eval, no framing. Registry strings are rendered as text by Preact; this is the second wall.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const types: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The client-side routes that deep links land on; each answers index.html. */
export const APP_PATHS = ['/', '/runs', '/runs/:id', '/compare', '/history', '/audits', '/audits/:id', '/gate'];

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

/**
 * Serves the built bundle from memory: the file list is fixed at start, so a request names one of those
 * files or gets 404 (no path from the client ever reaches the file system).
 */
export async function registerStaticApp(app: FastifyInstance, dist: string): Promise<void> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const file of await listFiles(dist)) {
    const url = '/' + relative(dist, file).split(sep).join('/');
    files.set(url, { body: await readFile(file), type: types[extname(file)] ?? 'application/octet-stream' });
  }
  const index = files.get('/index.html');
  if (!index) throw new Error(`the web bundle in ${dist} has no index.html; delete the folder to rebuild it`);

  for (const path of APP_PATHS) {
    app.get(path, async (_request, reply) => reply.header('content-type', index.type).header('cache-control', 'no-cache').send(index.body));
  }
  app.get('/assets/*', async (request, reply) => {
    const file = files.get(request.url.split('?')[0] ?? '');
    if (!file) return reply.code(404).send({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such file' });
    // hashed file names: safe to cache for good
    return reply.header('content-type', file.type).header('cache-control', 'public, max-age=31536000, immutable').send(file.body);
  });
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
}
