import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UI_API_PREFIX } from '@leakproof/core';
import { openRegistry, type Registry } from '@leakproof/registry';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../errors.js';
import { registerUiRoutes } from './register.js';

describe('the dashboard plugin', () => {
  let registry: Registry;
  let app: FastifyInstance;
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'leakproof-ui-'));
    // a bundle newer than the sources: nothing is built
    await mkdir(join(cwd, 'dist'));
    await writeFile(join(cwd, 'dist', 'index.html'), '<!doctype html><div id="app"></div>');
    registry = await openRegistry();
    app = Fastify();
    app.setErrorHandler(errorHandler);
    await registerUiRoutes(app, { registry, cwd, webDist: join(cwd, 'dist') });
  });
  afterAll(async () => {
    await app.close();
    await registry.close();
    await rm(cwd, { recursive: true, force: true });
  });

  it('refuses a change from an origin that is not a URL (a sandboxed frame sends "null") with 403, not 500', async () => {
    for (const origin of ['null', 'garbage', 'http://evil.example']) {
      const res = await app.inject({ method: 'POST', url: `${UI_API_PREFIX}/runs/1/archive`, headers: { origin, host: 'localhost:5000' }, payload: { archived: true } });
      expect(res.statusCode, origin).toBe(403);
      expect(res.json(), origin).toMatchObject({ error_code: 'PERMISSION_DENIED' });
    }
    const own = await app.inject({ method: 'POST', url: `${UI_API_PREFIX}/runs/1/archive`, headers: { origin: 'http://localhost:5000', host: 'localhost:5000' }, payload: { archived: true } });
    expect(own.statusCode).toBe(404);
  });
});
