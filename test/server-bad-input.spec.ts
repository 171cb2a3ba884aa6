import { request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openRegistry } from '@leakproof/registry';
import { startServer } from '@leakproof/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, serveTestStore, type ServedStore } from './support/server-store.js';

/** A request whose path goes out exactly as written (fetch would normalise '..' and '%2e%2e' away). */
function raw(url: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path, headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('leakproof server on bad input', () => {
  let s: ServedStore;
  let runId: number;
  let experimentId: number;
  const mlflow = (path: string, body: unknown, headers: Record<string, string> = {}) => request(s.url, 'POST', `/api/2.0/mlflow/${path}`, body, headers);

  beforeAll(async () => {
    s = await serveTestStore('pglite');
    const run = await s.registry.createRun({ experiment: 'bad', name: 'r', auditId: s.auditId });
    runId = run.id;
    experimentId = (await s.registry.getExperimentByName('bad'))?.id as number;
  });
  afterAll(() => s?.dispose());

  it('answers malformed JSON, non-object bodies and the wrong content type with 4xx { error_code, message }', async () => {
    for (const body of ['{"run_id": ', '[1,2]', '"text"', '42', 'null']) {
      const res = await mlflow('runs/log-metric', body);
      expect(res.status, body).toBe(400);
      expect(res.body).toMatchObject({ error_code: expect.any(String), message: expect.any(String) });
    }
    const text = await mlflow('runs/log-metric', 'run_id=1', { 'content-type': 'text/plain' });
    expect([400, 415]).toContain(text.status);
    expect(text.body.error_code).toBeTruthy();
  });

  it('names the field of a wrong type', async () => {
    const cases: [unknown, RegExp][] = [
      [{ run_id: String(runId), key: 'loss', value: 'abc', timestamp: 1, step: 0 }, /value/],
      [{ run_id: String(runId), key: 'loss', value: 1, timestamp: 1, step: 1.5 }, /step/],
      [{ run_id: String(runId), key: 5, value: 1, timestamp: 1, step: 0 }, /key/],
      [{ run_id: String(runId), key: 'loss', value: 1, timestamp: 1, step: -1 }, /step/],
      [{ run_id: String(runId), key: 'loss', value: 1, timestamp: 1, step: '99999999999' }, /step/],
      [{ run_id: runId, key: 'loss', value: 1 }, /run_id/],
    ];
    for (const [body, field] of cases) {
      const res = await mlflow('runs/log-metric', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(field) });
    }
    expect(await s.registry.metricHistory(runId, 'loss')).toEqual([]);
  });

  it('refuses an evaluation-history fingerprint that is not hex, instead of answering every evaluation', async () => {
    for (const fingerprint of ['zz', 'c4c4-', 'xyz123', 'c4c']) {
      const res = await request(s.url, 'GET', `/api/v1/evaluations/history?fingerprint=${fingerprint}`);
      expect(res, fingerprint).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('fingerprint') } });
    }
    expect((await request(s.url, 'GET', '/api/v1/evaluations/history?fingerprint=C4C4')).status).toBe(200);
  });

  it('refuses NUL characters anywhere, and unknown fields on /api/v1 (MLflow routes ignore them, as MLflow does)', async () => {
    expect(await mlflow('runs/set-tag', { run_id: String(runId), key: 'a\u0000b', value: 'x' })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('NUL') } });
    expect(await mlflow('runs/log-parameter', { run_id: String(runId), key: 'p', value: 'x\u0000' })).toMatchObject({ status: 400 });
    expect((await request(s.url, 'GET', '/api/2.0/mlflow/experiments/get-by-name?experiment_name=a%00b')).status).toBe(400);
    expect(await request(s.url, 'POST', '/api/v1/runs/query', { filter: '', limit: 'ten' })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('limit') } });
    expect(await request(s.url, 'POST', '/api/v1/runs/query', { filter: '', sneaky: true })).toMatchObject({ status: 400, body: { message: expect.stringContaining("unknown field(s) 'sneaky'") } });
    expect((await mlflow('runs/log-metric', { run_id: String(runId), key: 'ok', value: 1, timestamp: 1, step: 0, model_id: 'm-1' })).status).toBe(200);
  });

  it('refuses huge bodies with 413 and keeps serving', async () => {
    const big = JSON.stringify({ run_id: String(runId), metrics: [], padding: 'x'.repeat(3 * 1024 * 1024) });
    expect((await raw(s.url, 'POST', '/api/2.0/mlflow/runs/log-batch', big, { 'content-type': 'application/json' })).status).toBe(413);
    const tooManyValues = await mlflow('runs/log-batch', { run_id: String(runId), metrics: Array.from({ length: 5000 }, (_, i) => ({ key: 'm', value: 1, timestamp: 1, step: i })) });
    expect(tooManyValues).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await request(s.url, 'GET', '/api/v1/health')).status).toBe(200);
    // /api/v1 takes whole audit reports (a server-owned store records `leakproof audit` through it)
    const audit = await request(s.url, 'POST', '/api/v1/audits', { dataset: { name: 'big', root: '/big' }, fingerprint: 'e7'.repeat(32), verdict: 'fail', policy: {}, policyHash: 'p', report: { blob: 'x'.repeat(3 * 1024 * 1024) }, toolVersion: 't', splits: [{ name: 'train', images: 1, patients: 1 }] });
    expect(audit.status).toBe(200);
  });

  it('never reads or writes outside the run\'s artifact root: .., encoded .., backslashes, symlinks', async () => {
    const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
    const root = join(s.cwd, '.leakproof', 'runs', String(runId), 'artifacts');
    writeFileSync(join(s.cwd, 'secret.txt'), 'secret');
    const attempts = ['/../../../../secret.txt', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt', '/..%2f..%2f..%2f..%2fsecret.txt', '/a/..%5c..%5csecret.txt', '/%2e%2e%2f%2e%2e%2fsecret.txt', '/./x', '//etc/passwd'];
    for (const p of attempts) {
      const get = await raw(s.url, 'GET', base + p);
      expect([400, 404], `GET ${p}`).toContain(get.status);
      expect(get.text).not.toContain('secret"');
      expect(get.text === 'secret').toBe(false);
      const put = await raw(s.url, 'PUT', base + p, 'pwned');
      expect([400, 404], `PUT ${p}`).toContain(put.status);
    }
    expect(existsSync(join(s.cwd, '.leakproof', 'pwned'))).toBe(false);
    // a symlink planted inside the artifact root (by anyone) is never followed
    mkdirSync(root, { recursive: true });
    symlinkSync(s.cwd, join(root, 'escape'));
    symlinkSync(join(s.cwd, 'secret.txt'), join(root, 'secret-link.txt'));
    expect((await raw(s.url, 'GET', `${base}/escape/secret.txt`)).status).toBe(400);
    expect((await raw(s.url, 'GET', `${base}/secret-link.txt`)).status).toBe(400);
    expect((await raw(s.url, 'PUT', `${base}/escape/new.txt`, 'pwned')).status).toBe(400);
    expect(existsSync(join(s.cwd, 'new.txt'))).toBe(false);
    expect((await raw(s.url, 'PUT', `${base}/secret-link.txt`, 'pwned')).status).toBe(400);
    const listed = await request(s.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/${runId}/artifacts`);
    expect(listed.body.files).toEqual([]);
    expect((await request(s.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/${runId}/artifacts/escape`)).status).toBe(400);
    // another experiment's id in the path does not reach this run
    expect((await raw(s.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts/${experimentId + 100}/${runId}/artifacts/x`)).status).toBe(404);
  });

  it('answers unknown endpoints with ENDPOINT_NOT_FOUND and stays up', async () => {
    expect(await request(s.url, 'GET', '/api/2.0/mlflow/registered-models/list')).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
    expect((await request(s.url, 'GET', '/api/v1/health')).body).toMatchObject({ ok: true, store: 'pglite' });
  });
});

describe('access token', () => {
  it('is required on every request when set, and generated when binding beyond loopback', async () => {
    const registry = await openRegistry({});
    const server = await startServer({ registry, cwd: '/nonexistent', port: 0, ui: false, token: 's3cret-token' });
    try {
      expect(await request(server.url, 'GET', '/api/v1/health')).toMatchObject({ status: 401, body: { error_code: 'UNAUTHENTICATED' } });
      expect((await request(server.url, 'GET', '/api/v1/health', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await request(server.url, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'x' })).status).toBe(401);
      expect((await request(server.url, 'GET', '/api/v1/health', undefined, { authorization: 'Bearer s3cret-token' })).status).toBe(200);
    } finally {
      await server.close();
    }
    const open = await startServer({ registry, cwd: '/nonexistent', host: '0.0.0.0', port: 0, ui: false });
    try {
      expect(open.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect((await request(open.url, 'GET', '/api/v1/health')).status).toBe(401);
    } finally {
      await open.close();
      await registry.close();
    }
  });
});
