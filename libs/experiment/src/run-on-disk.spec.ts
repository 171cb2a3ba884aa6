import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundCommandBackend, mlflowClientBackend, UsageError } from '@leakproof/core';
import { openRegistry, type Registry } from '@leakproof/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentContext } from './context.js';
import { loadRunOnDisk } from './run-on-disk.js';

describe('loadRunOnDisk for a run without a run directory', () => {
  let registry: Registry;
  let ctx: ExperimentContext;
  let auditId: number;
  beforeAll(async () => {
    ctx = { cwd: await mkdtemp(join(tmpdir(), 'leakproof-run-on-disk-')), env: {}, stdout: process.stdout, stderr: process.stderr, log: () => undefined };
    registry = await openRegistry();
    const audit = await registry.recordAudit({
      dataset: { name: 'd', root: '/data/d' },
      fingerprint: 'a'.repeat(64),
      verdict: 'pass',
      policy: {},
      policyHash: 'b'.repeat(64),
      report: {},
      toolVersion: 'test',
      splits: [{ name: 'train', images: 1, patients: 1 }],
    });
    auditId = audit.id;
  });
  afterAll(async () => {
    await registry.close();
    await rm(ctx.cwd, { recursive: true, force: true });
  });

  it('says an MLflow-created run has no planned splits and how to get them, not "evaluate from the folder it was trained in"', async () => {
    const run = await registry.createRun({ experiment: 'e', name: 'from-mlflow', auditId, params: {}, backend: mlflowClientBackend });
    const error = await loadRunOnDisk(ctx, registry, run.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toContain('created by an MLflow client');
    expect((error as UsageError).hint).toContain('leakproof run --dataset DIR -- <command>');
  });

  it('keeps the run-directory message for runs leakproof trained elsewhere', async () => {
    const run = await registry.createRun({ experiment: 'e', name: 'bound', auditId, params: {}, backend: boundCommandBackend });
    await expect(loadRunOnDisk(ctx, registry, run.id)).rejects.toThrow(/has no run directory/);
  });
});
