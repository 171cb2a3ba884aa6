import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UI_API_PREFIX } from '@leakproof/core';
import { openRegistry, type Registry } from '@leakproof/registry';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorHandler } from '../errors.js';
import { registerAuditRoutes } from './audit-routes.js';
import { registerHistoryGateRoutes } from './history-gate-routes.js';

describe('allowing an audit finding from the dashboard', () => {
  let registry: Registry;
  let app: FastifyInstance;
  let cwd: string;
  let allowUrl: string;
  let findingId: number;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'leakproof-allow-'));
    registry = await openRegistry();
    const audit = await registry.recordAudit({
      dataset: { name: 'd', root: join(cwd, 'data') },
      fingerprint: 'a'.repeat(64),
      verdict: 'fail',
      policy: {},
      policyHash: 'b'.repeat(64),
      report: {},
      toolVersion: 'test',
      splits: [{ name: 'train', images: 1, patients: 1 }, { name: 'test', images: 1, patients: 1 }],
      findings: [{ kind: 'exact', severity: 'fail', splitA: 'train', splitB: 'test', pathA: 'train/a.png', pathB: 'test/a.png' }],
    });
    const stored = (await registry.getAuditDetail(audit.id))?.findings[0];
    if (!stored) throw new Error('the recorded finding is missing');
    findingId = stored.id;
    allowUrl = `${UI_API_PREFIX}/audits/${audit.id}/allow`;
    app = Fastify();
    app.setErrorHandler(errorHandler);
    registerAuditRoutes(app, registry, cwd);
  });
  afterAll(async () => {
    await app.close();
    await registry.close();
    await rm(cwd, { recursive: true, force: true });
  });

  const allow = (confirm: boolean) => app.inject({ method: 'POST', url: allowUrl, payload: { findingId, reason: 'same phantom image in both splits on purpose', confirm } });

  it('answers 409 naming the broken policy file, writes nothing, and stays up', async () => {
    const policyFile = join(cwd, 'leakproof.policy.json');
    await writeFile(policyFile, '{ "checks": ');
    const reply = await allow(true);
    expect(reply.statusCode).toBe(409);
    expect(reply.json()).toMatchObject({ error_code: 'INVALID_STATE' });
    expect(reply.json().message).toContain('leakproof.policy.json is not valid JSON');
    expect(await readFile(policyFile, 'utf8')).toBe('{ "checks": ');
    expect((await app.inject({ method: 'GET', url: `${UI_API_PREFIX}/audits` })).statusCode).toBe(200);
  });

  it('adds the entry to a policy file saved with a byte-order mark', async () => {
    await writeFile(join(cwd, 'leakproof.policy.json'), '\uFEFF{}');
    const reply = await allow(false);
    expect(reply.statusCode).toBe(200);
    expect(reply.json().policyText).toContain('same phantom image in both splits on purpose');
  });
});

describe('the gate page on a broken leakproof.config.json', () => {
  it('answers 409 naming the file (the server state, not the request, is wrong)', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'leakproof-gate-'));
    const registry = await openRegistry();
    const app = Fastify();
    app.setErrorHandler(errorHandler);
    registerHistoryGateRoutes(app, registry, cwd);
    try {
      await writeFile(join(cwd, 'leakproof.config.json'), '{ "datasets": [{ "name": "a", "path": "a" }, { "name": "a", "path": "b" }] }');
      const reply = await app.inject({ method: 'GET', url: `${UI_API_PREFIX}/gate` });
      expect(reply.statusCode).toBe(409);
      expect(reply.json()).toMatchObject({ error_code: 'INVALID_STATE', message: expect.stringContaining("'a' names another dataset already") });
    } finally {
      await app.close();
      await registry.close();
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
