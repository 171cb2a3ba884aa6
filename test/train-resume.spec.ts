import { mkdtemp, readFile, readdir, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticDataset } from '@leakproof/synth';
import { openRegistry } from '@leakproof/registry';
import { cli } from './support/run-cli.js';

// `train --resume <run>` continues the interrupted run itself: same id and audit, config from the run's
// record, from its checkpoint, ending with the weights an uninterrupted run ends with.
describe('train --resume', () => {
  let work: string;
  let data: string;
  let configPath: string;
  const runs = (cwd: string) => join(cwd, '.leakproof', 'runs');
  const exists = (p: string) => access(p).then(() => true, () => false);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leakproof-resume-'));
    data = join(work, 'data');
    await generateSyntheticDataset(data, { seed: 21, patients: 20, imagesPerPatient: 2, size: 32 });
    configPath = join(work, 'exp.json');
    const train = { model: 'cnn4', imageSize: 16, width: 0.5, epochs: 4, batchSize: 4, workers: 1, earlyStopping: null, backend: 'wasm' };
    await writeFile(configPath, JSON.stringify({ dataset: { root: data }, experiment: 'resume', splits: { minValImages: 1000, valFraction: 0.25 }, train }));
    expect((await cli(work, ['audit', data, '--format', 'json'])).code).toBe(0);
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  /** Starts training, waits for the first epoch's checkpoint, then sends the CLI's Ctrl-C. */
  async function interruptedRun(config = configPath): Promise<number> {
    return (await interruptedRunWithAudit(config)).runId;
  }

  async function interruptedRunWithAudit(config = configPath): Promise<{ runId: number; auditId: number }> {
    const before = new Set(await readdir(runs(work)).catch(() => [] as string[]));
    const training = cli(work, ['train', '--config', config, '--format', 'json']);
    let interruptSent = false;
    const poll = setInterval(() => {
      void (async () => {
        for (const id of await readdir(runs(work)).catch(() => [] as string[])) {
          if (before.has(id) || interruptSent) continue;
          const ready = await exists(join(runs(work), id, 'checkpoint', 'state.json'));
          // polls overlap: only the first to see the checkpoint sends the (single) Ctrl-C
          if (ready && !interruptSent) {
            interruptSent = true;
            process.emit('SIGINT');
          }
        }
      })();
    }, 5);
    const res = await training.finally(() => clearInterval(poll));
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { runId: number; auditId: number; interrupted: boolean; epochs: number };
    expect(out.interrupted).toBe(true);
    expect(out.epochs).toBeLessThan(4);
    return out;
  }

  it('continues the interrupted run without a config and ends with the uninterrupted weights', async () => {
    const straight = await cli(work, ['train', '--config', configPath, '--format', 'json']);
    expect(straight.code, straight.stderr).toBe(0);
    const straightId = (JSON.parse(straight.stdout) as { runId: number }).runId;

    const { runId: id, auditId } = await interruptedRunWithAudit();
    const resumed = await cli(work, ['train', '--resume', String(id), '--format', 'json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const out = JSON.parse(resumed.stdout) as { runId: number; resumed: boolean; interrupted: boolean; epochs: number; auditId: number };
    expect(out).toMatchObject({ runId: id, resumed: true, interrupted: false, epochs: 4 });

    const weights = (runId: number, file: string) => readFile(join(runs(work), String(runId), file));
    expect((await weights(id, 'checkpoint/weights.bin')).equals(await weights(straightId, 'checkpoint/weights.bin'))).toBe(true);
    expect((await weights(id, 'model/weights.bin')).equals(await weights(straightId, 'model/weights.bin'))).toBe(true);

    const registry = await openRegistry({ dir: join(work, '.leakproof', 'registry') });
    try {
      const run = await registry.getRun(id);
      const first = await registry.getRun(straightId);
      expect(run?.status).toBe('finished');
      expect(run?.auditId).toBe(auditId);
      expect(out.auditId).toBe(auditId);
      expect(run?.audit.fingerprint).toBe(first?.audit.fingerprint);
      // every epoch exactly once in the metric history, as in the uninterrupted run
      expect((await registry.metricHistory(id, 'val_loss')).map((p) => [p.step, p.value])).toEqual(
        (await registry.metricHistory(straightId, 'val_loss')).map((p) => [p.step, p.value]),
      );
      expect((await registry.listRuns({ limit: 10 })).length).toBe(2);
    } finally {
      await registry.close();
    }

    const again = await cli(work, ['train', '--resume', String(id)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already finished; there is nothing to resume/);
  });

  // Decoding every image comes before the first epoch and takes minutes on a full dataset: Ctrl-C there stops the
  // run as interrupted, with the resume hint, instead of killing the process (Node's default) with the run 'running'.
  it('stops on Ctrl-C while decoding, before the first epoch: the run is interrupted and resumes from epoch 1', async () => {
    const before = new Set(await readdir(runs(work)).catch(() => [] as string[]));
    const listeners = process.listenerCount('SIGINT');
    const training = cli(work, ['train', '--config', configPath, '--format', 'json']);
    let interruptSent = false;
    const poll = setInterval(() => {
      void (async () => {
        const fresh = (await readdir(runs(work)).catch(() => [] as string[])).filter((id) => !before.has(id));
        // the trainer listens for Ctrl-C from before decoding; no checkpoint yet means no epoch has ended
        if (fresh.length === 0 || interruptSent || process.listenerCount('SIGINT') <= listeners) return;
        if (await exists(join(runs(work), fresh[0] as string, 'checkpoint', 'state.json'))) return;
        if (!interruptSent) {
          interruptSent = true;
          process.emit('SIGINT');
        }
      })();
    }, 5);
    const res = await training.finally(() => clearInterval(poll));
    expect(interruptSent).toBe(true);
    expect(res.code, res.stderr).toBe(130);
    expect(res.stderr).toMatch(/stopped while decoding the images, before the first epoch; run (\d+) is marked interrupted\n {2}next: continue it with `leakproof train --resume \1`/);
    expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
    const id = Number(/run (\d+) is marked interrupted/.exec(res.stderr)?.[1]);
    const resumed = await cli(work, ['train', '--resume', String(id), '--format', 'json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`run ${id} has no checkpoint yet: training it again from epoch 1`);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId: id, interrupted: false, epochs: 4 });
  });

  // A default that changes between start and resume (an upgrade) must not change the run: the run resumes with
  // the config resolved when it started. Dropping batchSize from the recorded raw config is that upgrade seen
  // from the run's side: re-resolved today, it would come back as the default 32 instead of 4.
  it('resumes with the config resolved at its start, from the run file or else the registry\'s params', async () => {
    for (const keepResolved of [true, false]) {
      const id = await interruptedRun();
      const path = join(runs(work), String(id), 'run.json');
      const file = JSON.parse(await readFile(path, 'utf8')) as { experiment: { train: Record<string, unknown> }; trainConfig?: Record<string, unknown> };
      expect(file.trainConfig).toMatchObject({ batchSize: 4, epochs: 4, model: 'cnn4' });
      delete file.experiment.train['batchSize'];
      if (!keepResolved) delete file.trainConfig;
      await writeFile(path, JSON.stringify(file));
      const res = await cli(work, ['train', '--resume', String(id), '--format', 'json']);
      expect(res.code, res.stderr).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ runId: id, resumed: true, interrupted: false, epochs: 4 });
    }
  });

  // A run recorded by a version before intensity, TTA, the augmentation extras and label smoothing existed has
  // none of them in its resolved config; it trained with them off, and must resume so, whatever today's defaults.
  it('resumes a run recorded before later fields existed with those fields off, as it trained', async () => {
    const later = { intensity: 'none', tta: 1, labelSmoothing: 0, mixup: 0 };
    const extras = { gamma: 0, blur: 0, noise: 0, erase: 0, border: 0 };
    const experiment = JSON.parse(await readFile(configPath, 'utf8')) as { train: Record<string, unknown> };
    const olderConfig = join(work, 'exp-older.json');
    await writeFile(olderConfig, JSON.stringify({ ...experiment, train: { ...experiment.train, ...later, augmentation: extras } }));
    const id = await interruptedRun(olderConfig);
    const path = join(runs(work), String(id), 'run.json');
    const file = JSON.parse(await readFile(path, 'utf8')) as { trainConfig: Record<string, unknown> & { augmentation: Record<string, unknown> } };
    for (const key of Object.keys(later)) delete file.trainConfig[key];
    for (const key of Object.keys(extras)) delete file.trainConfig.augmentation[key];
    await writeFile(path, JSON.stringify(file));
    const res = await cli(work, ['train', '--resume', String(id), '--format', 'json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ runId: id, resumed: true, interrupted: false, epochs: 4 });
  });

  it('refuses ids that are not runs, config changes, and runs of another store', async () => {
    for (const bad of ['0x10', '1e3', '2147483648', 'abc']) {
      const res = await cli(work, ['train', '--resume', bad]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/is not a run id/);
    }
    const withConfig = await cli(work, ['train', '--resume', '1', '--config', configPath]);
    expect(withConfig.code).toBe(2);
    expect(withConfig.stderr).toMatch(/cannot change it/);
    expect((await cli(work, ['train', '--resume', '999'])).stderr).toMatch(/no run 999 in the registry/);

    // a fresh store in another folder holding the same run directory: same id, other registry
    const other = await mkdtemp(join(tmpdir(), 'leakproof-resume-other-'));
    try {
      expect((await cli(other, ['audit', data, '--format', 'json'])).code).toBe(0);
      const id = await interruptedRunIn(other);
      const { cp } = await import('node:fs/promises');
      await cp(join(runs(work), '1'), join(runs(other), String(id)), { recursive: true, force: true });
      const res = await cli(other, ['train', '--resume', String(id)]);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/another store/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  async function interruptedRunIn(cwd: string): Promise<number> {
    const saved = work;
    work = cwd;
    try {
      return await interruptedRun();
    } finally {
      work = saved;
    }
  }

  it('re-checks the data against the run\'s audit before continuing', async () => {
    const id = await interruptedRun();
    const normal = join(data, 'train', 'NORMAL');
    const first = (await readdir(normal)).sort()[0] as string;
    const path = join(normal, first);
    const original = await readFile(path);
    await writeFile(path, Buffer.concat([original, Buffer.from([0])]));
    try {
      const res = await cli(work, ['train', '--resume', String(id)]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/changed since its audit/);
    } finally {
      await writeFile(path, original);
    }
  });
});
