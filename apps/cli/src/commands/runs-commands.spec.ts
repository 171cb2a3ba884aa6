import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { openRegistry } from '@leakproof/registry';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../context.js';
import { runCli } from '../program.js';

const fingerprint = 'ab'.repeat(32);

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const ctx: CliContext = { cwd, env: {}, stdout, stderr, interactive: false };
  const code = await runCli(argv, ctx);
  return { code, out, err };
}

describe('runs and history commands (embedded registry)', { timeout: 120_000 }, () => {
  let cwd: string;
  const ids: number[] = [];

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'leakproof-cli-runs-'));
    const registry = await openRegistry({ dir: join(cwd, '.leakproof', 'registry') });
    const audit = await registry.recordAudit({
      dataset: { name: 'chest', root: '/data' },
      fingerprint,
      verdict: 'pass',
      policy: {},
      policyHash: 'h',
      report: {},
      toolVersion: 't',
      splits: [{ name: 'test', images: 200, patients: 100 }],
    });
    // 200 test images, 100 positive: recall 90/100 and 97/100, precision about 0.8
    for (const [name, model, recall, fp] of [['a', 'cnn', 0.9, 22.5], ['b', 'resnet', 0.97, 24.25]] as const) {
      const run = await registry.createRun({ experiment: 'cli', name, auditId: audit.id, params: { model, lr: 0.01 }, model });
      await registry.logMetrics(run.id, [{ key: 'val_recall', step: 0, value: recall }]);
      await registry.finishRun(run.id, 'finished');
      const tp = Math.round(recall * 100);
      const confusion = { tp, fp: Math.round(fp), tn: 100 - Math.round(fp), fn: 100 - tp };
      const precision = tp / (tp + confusion.fp);
      await registry.recordEvaluation({ runId: run.id, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion, metrics: { precision: { value: precision, lo: 0.7, hi: 0.9 }, recall: { value: tp / 100, lo: 0.8, hi: 1 } } });
      ids.push(run.id);
    }
    await registry.close();
  }, 120_000);
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  it('lists runs newest first as a table, JSON and CSV', async () => {
    const table = await cli(cwd, 'runs', 'list');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/b[\s\S]*resnet[\s\S]*a[\s\S]*cnn/);
    const json = JSON.parse((await cli(cwd, 'runs', 'list', '--format', 'json')).out) as { name: string }[];
    expect(json.map((r) => r.name)).toEqual(['b', 'a']);
    const csv = parse((await cli(cwd, 'runs', 'list', '--format', 'csv')).out, { columns: true }) as Record<string, string>[];
    expect(Object.keys(csv[0] as object)).toContain('metrics.val_recall');
    // csv-stringify writes false as an empty cell, which reads as "unknown"
    expect(csv.map((r) => r['archived'])).toEqual(['false', 'false']);
  });

  it('queries with the filter language and points at bad syntax', async () => {
    const json = JSON.parse((await cli(cwd, 'runs', 'query', "metrics.val_recall > 0.95 and params.model = 'resnet'", '--format', 'json')).out) as { name: string }[];
    expect(json.map((r) => r.name)).toEqual(['b']);
    const ordered = await cli(cwd, 'runs', 'query', '', '--order-by', 'metrics.val_recall asc', '--format', 'md');
    expect(ordered.out.indexOf('| cnn')).toBeLessThan(ordered.out.indexOf('| resnet'));
    const bad = await cli(cwd, 'runs', 'query', 'metrics.val_recall >');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('column 21');
    expect(bad.err).toContain('^');
  });

  it("takes MLflow's filter syntax and refuses impossible dates without a stack trace", async () => {
    const mlflow = await cli(cwd, 'runs', 'query', 'metric.val_recall > .95 AND params.model LIKE "res%"', '--format', 'json');
    expect((JSON.parse(mlflow.out) as { name: string }[]).map((r) => r.name)).toEqual(['b']);
    for (const date of ['2025', '2025-02-30']) {
      const bad = await cli(cwd, 'runs', 'query', `attributes.created > '${date}'`);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('column 22');
      expect(bad.err).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('shows and compares runs', async () => {
    const show = await cli(cwd, 'runs', 'show', String(ids[0]));
    expect(show.code).toBe(0);
    expect(show.out).toContain('0.9 [0.8, 1]');
    const compare = JSON.parse((await cli(cwd, 'runs', 'compare', String(ids[0]), String(ids[1]), '--format', 'json')).out) as { rows: { label: string; values: string[] }[] };
    expect(compare.rows.find((r) => r.label === 'model')?.values).toEqual(['cnn', 'resnet']);
    expect(compare.rows.some((r) => r.label === 'lr')).toBe(false);
    expect((await cli(cwd, 'runs', 'show', '999')).err).toContain('run 999 does not exist');
  });

  it('prints the evaluation history and writes an SVG plot', async () => {
    const res = await cli(cwd, 'history', '--fingerprint', 'abab', '--metric', 'recall', '--plot', 'h.svg');
    expect(res.code).toBe(0);
    expect(res.out).toContain('0.97 [0.8, 1]');
    const svg = await readFile(join(cwd, 'h.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect((await cli(cwd, 'history')).code).toBe(2);
  });

  it('refuses run ids that are not plain decimal int4 numbers, without an internal error', async () => {
    for (const bad of ['2147483648', '0x10', '1e3', '+1', '1.0', '-1', '0']) {
      const res = await cli(cwd, 'runs', 'show', bad);
      expect(res.code, bad).toBe(2);
      expect(res.err, bad).toContain('is not a run id');
      expect(res.err).not.toContain('internal error');
    }
    expect((await cli(cwd, 'runs', 'compare', String(ids[0]), '1e3')).err).toContain("'1e3' is not a run id");
    expect((await cli(cwd, 'eval', '0x10')).err).toContain("'0x10' is not a run id");
  });

  it('refuses an unsupported --format and an --output in a missing folder before the command runs', async () => {
    // run 999 does not exist: reaching the command would say so instead
    const html = await cli(cwd, 'runs', 'show', '999', '--format', 'html');
    expect(html.code).toBe(2);
    expect(html.err).toContain('runs show cannot print --format html');
    expect(html.err).toContain('use one of: json, table, md, csv');
    const missing = await cli(cwd, 'runs', 'show', '999', '-o', join('no', 'such', 'dir', 'run.csv'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot write --output .*the folder .* does not exist/);
    expect(missing.err).not.toContain('internal error');
  });

  it('prints runs show as rectangular CSV: section, key, field, value', async () => {
    const res = await cli(cwd, 'runs', 'show', String(ids[1]), '--format', 'csv');
    expect(res.code).toBe(0);
    const rows = parse(res.out) as string[][];
    expect(rows[0]).toEqual(['section', 'key', 'field', 'value']);
    expect(new Set(rows.map((r) => r.length))).toEqual(new Set([4]));
    expect(rows).toContainEqual(['evaluations', 'test', 'recall', '0.97 [0.8, 1]']);
    expect(rows).toContainEqual(['params', 'model', 'value', 'resnet']);
  });

  it('refuses a --plot onto a folder, through a file or into a missing folder before any work, exit 2, no stack trace', async () => {
    await mkdir(join(cwd, 'plots-here'), { recursive: true });
    await writeFile(join(cwd, 'a-file'), 'x');
    for (const [plot, message] of [
      ['plots-here', /cannot write --plot plots-here: .*plots-here is a folder\n {2}fix: name a file/],
      ['a-file/h.svg', /cannot write --plot a-file\/h\.svg: the folder .*a-file does not exist/],
      ['no-such/dir/h.svg', /cannot write --plot no-such\/dir\/h\.svg: the folder .*no-such\/dir does not exist\n {2}fix: create it first/],
    ] as const) {
      const res = await cli(cwd, 'history', '--fingerprint', 'abab', '--metric', 'recall', '--plot', plot);
      expect(res.code, plot).toBe(2);
      expect(res.err, plot).toMatch(message);
      expect(res.err, plot).not.toMatch(/internal error|\n\s+at /);
    }
    expect(existsSync(join(cwd, 'no-such'))).toBe(false);
  });

  it('says which metrics exist when history is asked for one no evaluation has (exit 2)', async () => {
    const res = await cli(cwd, 'history', '--fingerprint', 'abab', '--metric', 'recall,nosuch');
    expect(res.code).toBe(2);
    expect(res.err).toContain("has metric 'nosuch'");
    expect(res.err).toContain('metrics recorded there: precision, recall');
  });

  it('keeps every Markdown table rectangular when a value holds a pipe or a line break', async () => {
    const registry = await openRegistry({ dir: join(cwd, '.leakproof', 'registry') });
    let id: number;
    try {
      const run = await registry.createRun({ experiment: 'cli', name: 'pipe|name', auditId: (await registry.getRunRecord(ids[0] as number))?.auditId as number, params: { model: 'x|y' }, model: 'x|y' });
      id = run.id;
      await registry.setTag(id, 'note', 'line one\nline | two');
      await registry.finishRun(id, 'finished');
      await registry.recordEvaluation({ runId: id, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion: { tp: 50, fp: 50, tn: 50, fn: 50 }, metrics: { recall: { value: 0.5 } } });
    } finally {
      await registry.close();
    }
    const cells = (line: string) => line.split(/(?<!\\)\|/).length;
    for (const argv of [['runs', 'list'], ['runs', 'query', "attributes.name = 'pipe|name'"], ['runs', 'show', String(id)], ['runs', 'compare', String(ids[0]), String(id)], ['history', '--fingerprint', 'abab', '--metric', 'recall']]) {
      const res = await cli(cwd, ...argv, '--format', 'md');
      expect(res.code, argv.join(' ')).toBe(0);
      for (const table of res.out.split(/\n(?!\|)[^\n]*\n?/).filter((t) => t.startsWith('|'))) {
        const lines = table.split('\n').filter(Boolean);
        expect(new Set(lines.map(cells)), `${argv.join(' ')}\n${table}`).toEqual(new Set([cells(lines[0] as string)]));
      }
      expect(res.out, argv.join(' ')).toContain('x\\|y');
    }
  });

  it('counts runs beyond any listing cap (demo says how many the registry holds)', async () => {
    const registry = await openRegistry({ dir: join(cwd, '.leakproof', 'registry') });
    try {
      const before = await registry.countRuns();
      await registry.db.execute(sql`insert into runs (experiment_id, name, audit_id) select r.experiment_id, 'bulk-' || g, r.audit_id from runs r, generate_series(1, 1001) g where r.id = ${ids[0]}`);
      expect(await registry.countRuns()).toBe(before + 1001);
    } finally {
      await registry.close();
    }
  });
});
