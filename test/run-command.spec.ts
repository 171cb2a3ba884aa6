import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';
import { childEnv, cliBin, pythonWith, repo, runIdOf, sampleDataset, showRun } from './support/external-run.js';

const python = pythonWith('python3', ['json', 'urllib.request']);

// `leakproof run -- <command>` on the in-repo sample: the gate, the environment the command gets, status that
// follows the command, signals, and the stdlib trainer logging over MLflow's REST API into the bound run.
describe('leakproof run', () => {
  let work: string;
  let fingerprint: string;
  const env = childEnv();
  const run = (command: string[], extra: string[] = []) => cli(work, ['run', '--dataset', sampleDataset, ...extra, '--', ...command], env);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leakproof-run-'));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('refuses a dataset that was never audited, before starting anything', async () => {
    const res = await run(['sh', '-c', 'echo started > started.txt']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/never been audited/);
    expect((await cli(work, ['runs', 'list', '--format', 'json'])).stdout.trim()).toBe('[]');
  });

  it('gives the command the bound run, its split files and tracking coordinates; exit 0 finishes the run', async () => {
    expect((await cli(work, ['audit', sampleDataset, '--format', 'json'])).code).toBe(0);
    const script = [
      'echo "to stdout"; echo "to stderr" >&2',
      'for v in LEAKPROOF_RUN_ID LEAKPROOF_RUN_DIR LEAKPROOF_SPLITS LEAKPROOF_SPLITS_CSV LEAKPROOF_TRACKING_URI MLFLOW_TRACKING_URI MLFLOW_RUN_ID MLFLOW_EXPERIMENT_ID; do eval "echo $v=\\$$v"; done',
      'head -1 "$LEAKPROOF_SPLITS_CSV"',
    ].join('\n');
    const res = await run(['sh', '-c', script]);
    expect(res.stderr).not.toMatch(/internal error/);
    expect(res.code, res.stderr).toBe(0);
    const id = runIdOf(res);
    const vars = Object.fromEntries(res.stdout.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
    expect(vars['LEAKPROOF_RUN_ID']).toBe(String(id));
    expect(vars['MLFLOW_RUN_ID']).toBe(String(id));
    expect(vars['LEAKPROOF_RUN_DIR']).toBe(join(work, '.leakproof', 'runs', String(id)));
    expect(vars['MLFLOW_TRACKING_URI']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(vars['LEAKPROOF_TRACKING_URI']).toBe(vars['MLFLOW_TRACKING_URI']);
    expect(Number(vars['MLFLOW_EXPERIMENT_ID'])).toBeGreaterThan(0);
    expect(res.stdout).toContain('path,absolute_path,split,label,patient');
    expect(res.stdout).toContain('to stdout');
    expect(res.stderr).toContain('to stderr');

    const splits = JSON.parse(await readFile(vars['LEAKPROOF_SPLITS'] as string, 'utf8')) as { fingerprint: string; counts: Record<string, number>; images: { absolute_path: string; split: string }[] };
    expect(splits.counts).toEqual({ train: 180, val: 32, test: 68 });
    expect(splits.images[0]?.absolute_path.startsWith(sampleDataset)).toBe(true);
    const shown = await showRun(work, id);
    expect(shown.status).toBe('finished');
    expect(shown.tags['leakproof.exit_code']).toBe('0');
    // bound to the audit of the planned splits (validation carved by patient), exactly what the command was given
    expect(shown.audit.verdict).toBe('pass');
    expect(shown.audit.fingerprint).toBe(splits.fingerprint);
    expect(shown.audit.splits.map((s) => s.name).sort()).toEqual(['test', 'train', 'val']);
    fingerprint = splits.fingerprint;
    const stdoutLog = shown.artifacts.find((a) => a.kind === 'log:stdout');
    expect(await readFile(stdoutLog!.path, 'utf8')).toContain('to stdout');
    expect(await readFile(join(work, '.leakproof', 'runs', String(id), 'stderr.log'), 'utf8')).toContain('to stderr');
  });

  it('marks the run failed with the exit code when the command fails', async () => {
    const res = await run(['sh', '-c', 'echo boom >&2; exit 3']);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/run \d+ failed \(exit code 3\)/);
    const shown = await showRun(work, runIdOf(res));
    expect(shown.status).toBe('failed');
    expect(shown.tags['leakproof.exit_code']).toBe('3');
  });

  it('says so clearly when the command does not exist, and marks the run failed', async () => {
    const res = await run(['no-such-trainer-xyz', '--epochs', '3']);
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(/cannot start 'no-such-trainer-xyz': no such command \(run (\d+) marked failed\)/);
    const id = Number(/run (\d+) marked failed/.exec(res.stderr)![1]);
    const shown = await showRun(work, id);
    expect(shown.status).toBe('failed');
    expect(shown.tags['leakproof.error']).toMatch(/ENOENT/);
  });

  it('leakproof log: metrics, params, tags and artifacts from a shell script; a clear error outside a run', async () => {
    const outside = await cli(work, ['log', 'metric', 'loss', '0.5'], env);
    expect(outside.code, outside.stderr).toBe(2);
    expect(outside.stderr).toMatch(/not inside `leakproof run`/);
    const inside = { ...env, LEAKPROOF_TRACKING_URI: 'http://127.0.0.1:9', LEAKPROOF_RUN_ID: '1' };
    const bad = await cli(work, ['log', 'metric', 'loss', 'not-a-number'], inside);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/metric value 'not-a-number' is not a number/);

    await writeFile(join(work, 'notes.txt'), 'trained by a shell script\n');
    const lp = `node ${cliBin}`;
    const script = [
      'set -e',
      `${lp} log metric loss 0.9 --step 0`,
      `${lp} log metric loss 0.4 --step 1`,
      `${lp} log param optimizer sgd`,
      `${lp} log tag note "from sh"`,
      `${lp} log artifact notes.txt --path docs`,
    ].join('\n');
    const res = await run(['sh', '-c', script]);
    expect(res.stderr).not.toMatch(/internal error/);
    expect(res.code, res.stderr).toBe(0);
    const shown = await showRun(work, runIdOf(res));
    expect(shown.metrics.find((m) => m.key === 'loss')).toMatchObject({ count: 2, last: 0.4 });
    expect(shown.params['optimizer']).toBe('sgd');
    expect(shown.tags['note']).toBe('from sh');
    expect(shown.artifacts.some((a) => a.kind === 'mlflow:docs/notes.txt')).toBe(true);
  });

  it.skipIf(!python.ok)(`a command that ends its MLflow run itself (mlflow.end_run()) still gets the status of its exit${python.ok ? '' : ` (skipped: ${python.reason})`}`, async () => {
    // what `with mlflow.start_run():` sends on leaving the block, before the script goes on to fail
    const endRun = [
      'import json, os, sys, urllib.request',
      'body = json.dumps({"run_id": os.environ["MLFLOW_RUN_ID"], "status": "FINISHED", "end_time": 1700000000000}).encode()',
      'req = urllib.request.Request(os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/runs/update", data=body, method="POST", headers={"Content-Type": "application/json"})',
      'print(json.load(urllib.request.urlopen(req))["run_info"]["status"])',
      'sys.exit(3)',
    ].join('\n');
    const res = await run(['python3', '-c', endRun]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/run \d+ failed \(exit code 3\)/);
    const shown = await showRun(work, runIdOf(res));
    expect(shown.status).toBe('failed');
    expect(shown.tags['leakproof.exit_code']).toBe('3');
    expect(shown.tags['leakproof.reported_status']).toBe('FINISHED');
    expect(shown.artifacts.some((a) => a.kind === 'log:stdout')).toBe(true);
  });

  it.skipIf(!python.ok)(`the stdlib trainer: metric history, an artifact and an external evaluation with intervals${python.ok ? '' : ` (skipped: ${python.reason})`}`, async () => {
    const res = await run(['python3', join(repo, 'examples', 'stdlib', 'train.py')]);
    expect(res.stderr).not.toMatch(/internal error|Traceback/);
    expect(res.code, res.stderr).toBe(0);
    const id = runIdOf(res);
    expect(res.stderr).toMatch(new RegExp(`next: leakproof eval ${id} --predictions \\S+test_predictions\\.csv --val-predictions \\S+val_predictions\\.csv`));
    const dir = join(work, '.leakproof', 'runs', String(id));
    const evaluated = await cli(work, ['eval', String(id), '--predictions', join(dir, 'test_predictions.csv'), '--val-predictions', join(dir, 'val_predictions.csv')], env);
    expect(evaluated.stderr).not.toMatch(/internal error/);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/Recall \(sensitivity\)\s+│ \d\.\d{3}\s+│ \[\d\.\d{3}, \d\.\d{3}\]/);

    const shown = await showRun(work, id);
    expect(shown.status).toBe('finished');
    expect(shown.audit.fingerprint).toBe(fingerprint);
    expect(shown.metrics.find((m) => m.key === 'val_auc')?.count).toBe(30);
    expect(shown.params['model']).toBe('logistic-regression');
    expect(shown.artifacts.some((a) => a.kind === 'mlflow:model/stdlib-model.json')).toBe(true);
    const [evaluation] = shown.evaluations;
    expect(evaluation?.split).toBe('test');
    expect(evaluation?.metrics['rocAuc']?.value).toBeGreaterThan(0.7);
    expect(evaluation?.metrics['recall']?.lo).toBeLessThanOrEqual(evaluation?.metrics['recall']?.value as number);
    const predictions = shown.artifacts.find((a) => a.kind === `predictions:test:evaluation-${evaluation?.id}`);
    const rows = (await readFile(predictions!.path, 'utf8')).trim().split('\n');
    expect(rows[0]).toBe('path,split,label,patient,prob,predicted');
    expect(rows).toHaveLength(1 + 32 + 68);
    // runs show links the per-image predictions from the evaluation
    expect((await cli(work, ['runs', 'show', String(id)])).stdout).toContain(predictions!.path);
  });

  describe('signals (the real CLI process)', () => {
    const spawnCli = (command: string) => {
      const child = spawn(process.execPath, [cliBin, 'run', '--dataset', sampleDataset, '--', 'sh', '-c', command], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const ready = new Promise<void>((done, fail) => {
        const timer = setInterval(() => out.includes('ready') && (clearInterval(timer), done()), 50);
        child.on('exit', () => (clearInterval(timer), fail(new Error(`exited early:\n${err}`))));
      });
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      return { child, ready, exited, output: () => ({ out, err }) };
    };

    it('forwards SIGTERM to the command and marks the run interrupted', async () => {
      const p = spawnCli('trap "echo got TERM; exit 143" TERM; echo ready; while true; do sleep 0.1; done');
      await p.ready;
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(1);
      const { out, err } = p.output();
      expect(out).toContain('got TERM');
      expect(err).toMatch(/passing SIGTERM on to the command/);
      const shown = await showRun(work, runIdOf({ code: 1, stdout: out, stderr: err }));
      expect(shown.status).toBe('interrupted');
      expect(shown.tags['leakproof.forwarded_signal']).toBe('SIGTERM');
      expect(shown.tags['leakproof.exit_code']).toBe('143');
    });

    it('a killed leakproof leaves the run interrupted on the next open', async () => {
      const pidFile = join(work, 'child.pid');
      const p = spawnCli(`echo $$ > ${pidFile}; echo ready; while true; do sleep 0.1; done`);
      await p.ready;
      p.child.kill('SIGKILL');
      await p.exited;
      // the command has its own process group and outlives a SIGKILLed parent: stop it here
      process.kill(-Number((await readFile(pidFile, 'utf8')).trim()), 'SIGTERM');
      const id = runIdOf({ code: 0, stdout: '', stderr: p.output().err });
      expect((await showRun(work, id)).status).toBe('interrupted');
    });
  });
});
