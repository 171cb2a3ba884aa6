import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openServedRegistry, RemoteRegistry } from '@leakproof/server';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';
import { fingerprint, request } from './support/server-store.js';

const cliBin = new URL('../apps/cli/bin/leakproof.js', import.meta.url).pathname;
const env = { PATH: process.env['PATH'], HOME: process.env['HOME'], LANG: 'C.UTF-8' };

/** The CLI as its own process (no DATABASE_URL: the embedded store of `cwd`). */
function leakproof(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBin, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dirs: string[] = [];
const tempProject = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-owner-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// PGlite is single-process: while a long-running command owns the embedded store it serves it (as `train`, `demo`
// and `run` do), and every other command - in other processes - goes through that server.
describe('one owner per embedded store', () => {
  it('answers runs list, runs show and history from other processes while a writer owns the store', async () => {
    const cwd = tempProject();
    const owner = await openServedRegistry(cwd);
    const registryDir = join(cwd, '.leakproof', 'registry');
    try {
      expect(existsSync(join(registryDir, 'server.json'))).toBe(true);
      const { registry } = owner;
      const audit = await registry.recordAudit({ dataset: { name: 'chest', root: join(cwd, 'data') }, fingerprint: fingerprint('d5'), verdict: 'pass', policy: {}, policyHash: 'p', report: {}, toolVersion: 't', splits: [{ name: 'test', images: 4, patients: 2 }] });
      const run = await registry.createRun({ experiment: 'e', name: 'training', auditId: audit.id });
      await registry.recordEvaluation({ runId: run.id, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion: { tp: 1, fp: 1, tn: 1, fn: 1 }, metrics: { recall: { value: 0.5, lo: 0.2, hi: 0.8 } } });
      // the "training loop": metrics every few milliseconds through the owner's own registry, as train does
      let step = 0;
      let training = true;
      const loop = (async () => {
        while (training) {
          await registry.logMetric(run.id, 'loss', step, 1 / (step + 1));
          step++;
          await new Promise((done) => setTimeout(done, 5));
        }
      })();
      const [list, show, history] = await Promise.all([
        leakproof(cwd, ['runs', 'list', '--format', 'json']),
        leakproof(cwd, ['runs', 'show', String(run.id), '--format', 'json']),
        leakproof(cwd, ['history', '--fingerprint', fingerprint('d5').slice(0, 8), '--metric', 'recall', '--format', 'json']),
      ]);
      const inProcess = await cli(cwd, ['runs', 'query', "attributes.status = 'running'", '--format', 'json']);
      training = false;
      await loop;
      expect(list, list.stderr).toMatchObject({ code: 0 });
      expect(JSON.parse(list.stdout).map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([['training', 'running']]);
      expect(show.code, show.stderr).toBe(0);
      expect(JSON.parse(show.stdout)).toMatchObject({ id: run.id, status: 'running', tags: {} });
      expect(history.code, history.stderr).toBe(0);
      expect(JSON.parse(history.stdout).evaluations).toHaveLength(1);
      expect(inProcess.code, inProcess.stderr).toBe(0);
      expect(step).toBeGreaterThan(0);
      expect((await registry.metricHistory(run.id, 'loss')).length).toBe(step);
    } finally {
      await owner.close();
    }
    expect(existsSync(join(registryDir, 'server.json'))).toBe(false);
    // with the owner gone, commands open the store themselves again
    const after = await cli(cwd, ['runs', 'list', '--format', 'json']);
    expect(after.code, after.stderr).toBe(0);
  });

  it('`leakproof server` owns the store until stopped; commands and MLflow clients go through it', async () => {
    const cwd = tempProject();
    const child = spawn(process.execPath, [cliBin, 'server', '--port', '0'], { cwd, env });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) resolve(m[1] as string);
      });
      child.on('exit', () => reject(new Error(`server exited: ${stderr}`)));
    });
    try {
      expect((await request(url, 'GET', '/api/v1/health')).body).toMatchObject({ ok: true, store: 'pglite', pid: child.pid });
      const audit = await request(url, 'POST', '/api/v1/audits', { dataset: { name: 'chest', root: join(cwd, 'data') }, fingerprint: fingerprint('e6'), verdict: 'pass', policy: {}, policyHash: 'p', report: {}, toolVersion: 't', splits: [{ name: 'train', images: 2, patients: 1 }] });
      expect(audit.status).toBe(200);
      const created = await request(url, 'POST', '/api/2.0/mlflow/runs/create', { tags: [{ key: 'leakproof.audit', value: String(audit.body.audit.id) }], run_name: 'external' });
      expect(created.status).toBe(200);
      const [a, b] = await Promise.all([cli(cwd, ['runs', 'list', '--format', 'json']), cli(cwd, ['runs', 'list', '--format', 'json'])]);
      expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
      expect(JSON.parse(a.stdout).map((r: { name: string }) => r.name)).toEqual(['external']);
      // a run created through the server belongs to the client process (liveness), not to the server
      const remote = new RemoteRegistry(url);
      const mine = await remote.createRun({ experiment: 'e', name: 'client', auditId: audit.body.audit.id });
      expect(mine).toMatchObject({ pid: process.pid, status: 'running', createdAt: expect.any(Date) });
      await remote.logMetrics(mine.id, [{ key: 'loss', step: 0, value: Number.NaN }]);
      expect((await remote.metricHistory(mine.id, 'loss'))[0]?.value).toBeNaN();
      const second = await cli(cwd, ['server', '--port', '0']);
      expect(second).toMatchObject({ code: 2, stderr: expect.stringContaining('already serves this registry') });
    } finally {
      child.kill('SIGTERM');
      await new Promise((done) => child.on('close', done));
    }
    expect(child.exitCode).toBe(0);
    expect(existsSync(join(cwd, '.leakproof', 'registry', 'server.json'))).toBe(false);
  });
});
