import { appendFile, mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticDataset } from '@leakproof/synth';
import { cli } from './support/run-cli.js';

// audit → train → eval → query on a small synthetic dataset with a tiny model, and every refusal that
// binds a metric to a passing audit of exactly the data it used.
describe('tracked experiment, end to end', () => {
  let work: string;
  let clean: string;
  let leaky: string;
  const config = (root: string) => ({
    dataset: { root },
    experiment: 'e2e',
    splits: { minValImages: 1000, valFraction: 0.25 },
    bootstrap: { replicates: 200, seed: 1 },
    // the trainer's config as a recipe file, as recipes/kermany-full.json is used; its threshold rule travels with it
    train: 'recipe.json',
  });
  const recipe = { model: 'cnn4', imageSize: 32, width: 0.5, epochs: 2, batchSize: 8, workers: 1, earlyStopping: null, threshold: 'max-f1' };
  const writeConfig = async (name: string, root: string) => {
    const path = join(work, name);
    await writeFile(path, JSON.stringify(config(root), null, 2));
    return path;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leakproof-e2e-'));
    await writeFile(join(work, 'recipe.json'), JSON.stringify(recipe));
    clean = join(work, 'clean');
    leaky = join(work, 'leaky');
    await generateSyntheticDataset(clean, { seed: 11, patients: 28, imagesPerPatient: 2, size: 64 });
    await generateSyntheticDataset(leaky, { seed: 12, patients: 20, imagesPerPatient: 2, size: 64, leaks: ['byte-copy'] });
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('refuses to train on data that was never audited', async () => {
    const res = await cli(work, ['train', '--config', await writeConfig('clean.json', clean)]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/never been audited/);
    expect(res.stderr).toMatch(/leakproof audit/);
  });

  it('refuses to train on data whose audit failed', async () => {
    const audit = await cli(work, ['audit', leaky, '--format', 'json']);
    expect(audit.code).toBe(1);
    const res = await cli(work, ['train', '--config', await writeConfig('leaky.json', leaky)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/failed/);
  });

  let runId = 0;
  it('trains, evaluates and queries a run on audited data', async () => {
    expect((await cli(work, ['audit', clean, '--format', 'json'])).code).toBe(0);
    const trained = await cli(work, ['train', '--config', await writeConfig('clean.json', clean), '--format', 'json']);
    expect(trained.stderr).not.toMatch(/internal error/);
    expect(trained.code).toBe(0);
    runId = (JSON.parse(trained.stdout) as { runId: number }).runId;
    expect(runId).toBeGreaterThan(0);

    const evaluated = await cli(work, ['eval', String(runId), '--split', 'test', '--format', 'json']);
    expect(evaluated.code).toBe(0);
    const evaluation = JSON.parse(evaluated.stdout) as { report: { image: { metrics: Record<string, { value: number | null }> }; threshold: { rule: string } }; plots: Record<string, string> };
    expect(evaluation.report.image.metrics['recall']).toBeDefined();
    expect(evaluation.report.threshold.rule).toBe('max-f1');
    expect(Object.keys(evaluation.plots).length).toBeGreaterThan(3);

    const query = await cli(work, ['runs', 'query', 'attributes.status = \'finished\' and metrics.test_recall >= 0', '--format', 'json']);
    expect(query.code).toBe(0);
    expect(JSON.stringify(JSON.parse(query.stdout))).toContain(`"id":${runId}`);
  });

  it('refuses to evaluate a split outside the run\'s audit', async () => {
    const res = await cli(work, ['eval', String(runId), '--split', 'holdout']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not part of run/);
  });

  it('refuses to train or evaluate after the data changed', async () => {
    const changed = join(work, 'changed');
    await cp(clean, changed, { recursive: true });
    expect((await cli(work, ['audit', changed, '--format', 'json'])).code).toBe(0);
    const { readdir } = await import('node:fs/promises');
    const normal = join(changed, 'train', 'NORMAL');
    const first = (await readdir(normal)).sort()[0] as string;
    await appendFile(join(normal, first), Buffer.from([0]));
    const res = await cli(work, ['train', '--config', await writeConfig('changed.json', changed)]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/changed since its last audit/);

    const original = join(clean, 'train', 'NORMAL', first);
    await appendFile(original, Buffer.from([0]));
    const evalRes = await cli(work, ['eval', String(runId)]);
    expect(evalRes.code).toBe(1);
    expect(evalRes.stderr).toMatch(/changed since its audit/);
  });
});
