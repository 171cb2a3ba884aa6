import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';
import { childEnv, runIdOf, sampleDataset, showRun } from './support/external-run.js';

// `leakproof eval <run> --predictions test.csv --val-predictions val.csv` on a run whose training happened
// elsewhere: labels and patients come from the audited manifest, and every file is checked against it.
describe('evaluating an external model', () => {
  let work: string;
  let dataset: string;
  let runId: number;
  let images: { path: string; split: string; label: string }[];
  const env = childEnv();
  const file = async (name: string, rows: string[]) => {
    const path = join(work, name);
    await writeFile(path, ['path,prob', ...rows].join('\n') + '\n');
    return path;
  };
  // a plausible model: positives score high, with a few mistakes, so the intervals are not degenerate
  const rowsOf = (split: string) =>
    images.filter((i) => i.split === split).map((i, k) => `${i.path},${((i.label === 'PNEUMONIA' ? 0.65 : 0.35) + ((k * 37) % 41) / 100 - 0.2).toFixed(3)}`);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leakproof-external-eval-'));
    dataset = join(work, 'chest_xray');
    await cp(sampleDataset, dataset, { recursive: true });
    expect((await cli(work, ['audit', dataset, '--format', 'json'])).code).toBe(0);
    // the command trains nothing: the predictions below stand for a model trained elsewhere
    const res = await cli(work, ['run', '--dataset', dataset, '--', 'true'], env);
    expect(res.code).toBe(0);
    runId = runIdOf(res);
    const text = await readFile(join(work, '.leakproof', 'runs', String(runId), 'splits.json'), 'utf8');
    images = (JSON.parse(text) as { images: typeof images }).images;
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('evaluates with the threshold chosen on validation and patient-bootstrap intervals, and stores the per-image predictions', async () => {
    const test = await file('test.csv', rowsOf('test'));
    const val = await file('val.csv', rowsOf('val'));
    const res = await cli(work, ['eval', String(runId), '--predictions', test, '--val-predictions', val, '--format', 'json'], env);
    expect(res.stderr).not.toMatch(/internal error/);
    expect(res.code).toBe(0);
    const evaluation = JSON.parse(res.stdout) as { report: { threshold: { rule: string }; image: { n: number; metrics: Record<string, { value: number; lo: number; hi: number }> } }; predictionsFile: string; source: unknown };
    expect(evaluation.source).toEqual({ predictions: test, valPredictions: val });
    expect(evaluation.report.image.n).toBe(68);
    expect(evaluation.report.threshold.rule).toBe('target-recall');
    const recall = evaluation.report.image.metrics['recall']!;
    expect(recall.lo).toBeLessThanOrEqual(recall.value);
    expect(recall.hi).toBeGreaterThanOrEqual(recall.value);
    const stored = (await readFile(evaluation.predictionsFile, 'utf8')).trim().split('\n');
    expect(stored[0]).toBe('path,split,label,patient,prob,predicted');
    expect(stored.filter((l) => l.includes(',val,'))).toHaveLength(32);
    expect(stored.filter((l) => l.includes(',test,'))).toHaveLength(68);
    const shown = await showRun(work, runId);
    expect(shown.evaluations).toHaveLength(1);
    expect(shown.artifacts.find((a) => a.kind === `predictions:test:evaluation-${shown.evaluations[0]!.id}`)?.path).toBe(evaluation.predictionsFile);
  });

  it('refuses an image of another split, naming the file, the line and the fix', async () => {
    const train = images.find((i) => i.split === 'train')!;
    const test = await file('test-with-train.csv', [...rowsOf('test'), `${train.path},0.5`]);
    const res = await cli(work, ['eval', String(runId), '--predictions', test, '--val-predictions', await file('val.csv', rowsOf('val'))], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${test}:70: ${train.path} is an image of split 'train', not 'test'`);
    expect(res.stderr).toMatch(/fix: this file must hold predictions for split 'test' only/);
  });

  it('refuses a file that misses images, and predictions without validation predictions', async () => {
    const short = await file('test-short.csv', rowsOf('test').slice(0, 60));
    const missing = await cli(work, ['eval', String(runId), '--predictions', short, '--val-predictions', await file('val.csv', rowsOf('val'))], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/misses 8 of the 68 images of split 'test'/);
    const noVal = await cli(work, ['eval', String(runId), '--predictions', short], env);
    expect(noVal.code).toBe(2);
    expect(noVal.stderr).toMatch(/--predictions needs --val-predictions/);
  });

  it('says how to evaluate a run that has no built-in model', async () => {
    const res = await cli(work, ['eval', String(runId)], env);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(new RegExp(`run ${runId} has no built-in model.*\\n.*--predictions test\\.csv --val-predictions val\\.csv`));
  });

  it('refuses when the dataset changed since the audit', async () => {
    const victim = images.find((i) => i.split === 'test')!;
    await appendFile(join(dataset, victim.path), Buffer.from([0]));
    const res = await cli(work, ['eval', String(runId), '--predictions', await file('test.csv', rowsOf('test')), '--val-predictions', await file('val.csv', rowsOf('val'))], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/changed since its audit/);
    expect((await showRun(work, runId)).evaluations).toHaveLength(1);
  });
});
