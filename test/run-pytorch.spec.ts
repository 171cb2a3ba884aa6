import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';
import { childEnv, pythonWith, repo, runIdOf, sampleDataset, showRun } from './support/external-run.js';

// The PyTorch example end to end: `leakproof run -- /usr/bin/python3 examples/pytorch/train.py`, then the external
// evaluation of its predictions. SLOW (about a minute of training on 2 busy cores; 6 epochs at 64 px here);
// skipped with the reason when Debian's python3-torch and python3-pil are not installed.
const python = '/usr/bin/python3';
const torch = pythonWith(python, ['torch', 'PIL']);

describe.skipIf(!torch.ok)(`PyTorch example trainer under leakproof run${torch.ok ? '' : ` (skipped: ${torch.reason})`}`, () => {
  let work: string;
  const env = childEnv();
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leakproof-pytorch-'));
    expect((await cli(work, ['audit', sampleDataset, '--format', 'json'])).code).toBe(0);
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('trains on the bound splits, logs every epoch over MLflow REST, uploads the weights, and its predictions evaluate with intervals', async () => {
    const config = join(repo, 'examples', 'pytorch', 'experiment.json');
    const res = await cli(work, ['run', '--config', config, '--set', 'train.epochs=6', '--', python, join(repo, 'examples', 'pytorch', 'train.py')], env);
    expect(res.stderr).not.toMatch(/internal error|Traceback/);
    expect(res.code).toBe(0);
    const id = runIdOf(res);
    const dir = join(work, '.leakproof', 'runs', String(id));
    const evaluated = await cli(work, ['eval', String(id), '--predictions', join(dir, 'test_predictions.csv'), '--val-predictions', join(dir, 'val_predictions.csv')], env);
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toMatch(/ROC-AUC\s+│ \d\.\d{3}\s+│ \[\d\.\d{3}, \d\.\d{3}\]/);

    const shown = await showRun(work, id);
    expect(shown.status).toBe('finished');
    expect(shown.experiment).toBe('pytorch-example');
    expect(shown.audit.verdict).toBe('pass');
    for (const key of ['loss', 'val_loss', 'val_auc', 'lr']) expect(shown.metrics.find((m) => m.key === key)?.count).toBe(6);
    expect(shown.params['epochs']).toBe(6);
    expect(shown.artifacts.some((a) => a.kind === 'mlflow:model/small-cnn.pt' && a.size > 10_000)).toBe(true);
    expect(shown.evaluations[0]?.metrics['rocAuc']?.value).toBeGreaterThan(0.8);
  });
});
