import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { InterruptedError } from '@leakproof/core';
import { parseTrainConfig, type TrainConfigInput } from './config.js';
import { lrFind } from './lr-find.js';
import { predict } from './predict.js';
import { useSyntheticDataset } from './test-fixtures.js';
import { train } from './train.js';

// A tiny net on 16×16 synthetic images: a few dozen steps on the wasm backend, a few seconds in all.
const tiny: TrainConfigInput = {
  imageSize: 16,
  model: 'cnn4',
  width: 0.5,
  dropout: 0.2,
  epochs: 3,
  batchSize: 8,
  maxLr: 1e-2,
  workers: 0,
  backend: 'wasm',
  earlyStopping: null,
  seed: 5,
  // the pre-equalisation pipeline: these tests are about the loop, not the recipe
  intensity: 'none',
  tta: 1,
  augmentation: { gamma: 0, blur: 0, noise: 0, erase: 0 },
};

const data = useSyntheticDataset({ perClass: 16, valPerClass: 6, size: 24 });
const dirs: string[] = [];

function runDir(name: string): string {
  const dir = join(data.root, 'runs', name);
  dirs.push(dir);
  return dir;
}

describe('train', () => {
  it('learns the toy task: training loss falls, validation separates, predict agrees', async () => {
    const epochs: number[] = [];
    const checkpoints: string[] = [];
    const result = await train({
      ...data,
      config: parseTrainConfig({ ...tiny, epochs: 4, workers: 1 }),
      runDir: runDir('learn'),
      handleSigint: false,
      callbacks: { onEpochEnd: ({ epoch }) => void epochs.push(epoch), onCheckpoint: (p) => void checkpoints.push(p) },
    });
    expect(epochs).toEqual([0, 1, 2, 3]);
    expect(checkpoints).toHaveLength(4);
    expect(result.backend.name).toBe('wasm');
    expect(result.history[3]!.loss).toBeLessThan(result.history[0]!.loss);
    expect(result.history[3]!.val_auc).toBeGreaterThan(0.9);
    const preds = await predict({ root: data.root, images: data.images.filter((r) => r.split === 'val'), modelDir: result.modelDir, config: parseTrainConfig(tiny) });
    expect(preds).toHaveLength(12);
    const meanPos = preds.filter((p) => p.label === 1).reduce((s, p) => s + p.prob, 0) / 6;
    const meanNeg = preds.filter((p) => p.label === 0).reduce((s, p) => s + p.prob, 0) / 6;
    expect(meanPos).toBeGreaterThan(meanNeg);
    const meta = JSON.parse(await readFile(join(result.modelDir, 'preprocessing.json'), 'utf8')) as { normalisation: { mean: number } };
    expect(meta.normalisation.mean).toBeGreaterThan(0);
  });

  it('records the intensity mode and test-time views with the model, and predict repeats them', async () => {
    const result = await train({ ...data, config: parseTrainConfig({ ...tiny, epochs: 1, intensity: 'equalize', tta: 3 }), runDir: runDir('intensity'), handleSigint: false });
    const preprocessing = JSON.parse(await readFile(join(result.modelDir, 'preprocessing.json'), 'utf8'));
    expect(preprocessing.normalisation).toMatchObject({ intensity: 'equalize', tta: 3 });
    const val = data.images.filter((r) => r.split === 'val');
    const three = await predict({ root: data.root, images: val, modelDir: result.modelDir, config: { backend: 'wasm', workers: 0 } });
    const one = await predict({ root: data.root, images: val, modelDir: result.modelDir, config: { backend: 'wasm', workers: 0 }, tta: 1 });
    expect(three.every((p) => p.prob >= 0 && p.prob <= 1)).toBe(true);
    expect(three.map((p) => p.prob)).not.toEqual(one.map((p) => p.prob));
  });

  it('is deterministic given the seed, and a different seed changes the result', async () => {
    const config = parseTrainConfig({ ...tiny, epochs: 1 });
    const a = await train({ ...data, config, runDir: runDir('det-a'), handleSigint: false });
    const b = await train({ ...data, config, runDir: runDir('det-b'), handleSigint: false });
    const c = await train({ ...data, config: parseTrainConfig({ ...tiny, epochs: 1, seed: 6 }), runDir: runDir('det-c'), handleSigint: false });
    const weights = (r: typeof a) => readFile(join(r.checkpointDir, 'weights.bin'));
    expect((await weights(a)).equals(await weights(b))).toBe(true);
    expect((await weights(a)).equals(await weights(c))).toBe(false);
    expect(a.history).toEqual(b.history.map((h, i) => ({ ...h, images_per_second: a.history[i]!.images_per_second })));
  });

  it('trains on soft targets (label smoothing, mixup) reproducibly, on one thread and data-parallel', async () => {
    const weights = (r: Awaited<ReturnType<typeof train>>) => readFile(join(r.checkpointDir, 'weights.bin'));
    for (const workers of [0, 2]) {
      const soft = parseTrainConfig({ ...tiny, epochs: 1, workers, labelSmoothing: 0.1, mixup: 0.4 });
      const a = await train({ ...data, config: soft, runDir: runDir(`soft-a-${workers}`), handleSigint: false });
      const b = await train({ ...data, config: soft, runDir: runDir(`soft-b-${workers}`), handleSigint: false });
      const hard = await train({ ...data, config: parseTrainConfig({ ...tiny, epochs: 1, workers, labelSmoothing: 0 }), runDir: runDir(`hard-${workers}`), handleSigint: false });
      expect(Number.isFinite(a.history[0]!.loss)).toBe(true);
      expect((await weights(a)).equals(await weights(b))).toBe(true);
      expect((await weights(a)).equals(await weights(hard))).toBe(false);
    }
  });

  it('resumes after an interrupt mid-epoch and ends with the same weights as an uninterrupted run', async () => {
    const config = parseTrainConfig(tiny);
    const straight = await train({ ...data, config, runDir: runDir('straight'), handleSigint: false });
    const abort = new AbortController();
    const dir = runDir('interrupted');
    const first = await train({
      ...data,
      config,
      runDir: dir,
      handleSigint: false,
      signal: abort.signal,
      callbacks: { onStep: ({ globalStep }) => globalStep === 6 && abort.abort() },
    });
    expect(first.interrupted).toBe(true);
    expect(first.epochsRun).toBe(1);
    const resumed = await train({ ...data, config, runDir: dir, handleSigint: false, resumeFrom: dir });
    expect(resumed.interrupted).toBe(false);
    expect(resumed.epochsRun).toBe(3);
    const a = await readFile(join(straight.checkpointDir, 'weights.bin'));
    const b = await readFile(join(resumed.checkpointDir, 'weights.bin'));
    expect(b.equals(a)).toBe(true);
    expect(resumed.history.map((h) => h.val_loss)).toEqual(straight.history.map((h) => h.val_loss));
  });

  it('refuses to resume with another config, naming the fix', async () => {
    // its own checkpoint, so this test does not depend on another having run first
    const dir = runDir('other-config');
    await train({ ...data, config: parseTrainConfig({ ...tiny, epochs: 1 }), runDir: dir, handleSigint: false });
    await expect(train({ ...data, config: parseTrainConfig({ ...tiny, epochs: 1, maxLr: 1e-3 }), runDir: dir, handleSigint: false, resumeFrom: dir })).rejects.toThrow(/different config/);
  });

  it('throws InterruptedError on a second Ctrl-C instead of exiting the process, and unhooks SIGINT', async () => {
    const listeners = process.listenerCount('SIGINT');
    const run = train({
      ...data,
      config: parseTrainConfig(tiny),
      runDir: runDir('ctrl-c-twice'),
      stderr: new PassThrough(),
      callbacks: {
        onStep: ({ globalStep }) => {
          if (globalStep === 2) {
            process.emit('SIGINT');
            process.emit('SIGINT');
          }
        },
      },
    });
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    await expect(run).rejects.toMatchObject({ code: 'interrupted', message: expect.stringContaining('second Ctrl-C') });
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('disposes the model when training throws', async () => {
    const config = parseTrainConfig({ ...tiny, epochs: 1 });
    await train({ ...data, config, runDir: runDir('warm'), handleSigint: false });
    const before = tf.memory().numTensors;
    const failing = train({ ...data, config, runDir: runDir('throws'), handleSigint: false, callbacks: { onStep: ({ globalStep }) => { if (globalStep === 2) throw new Error('callback failed'); } } });
    await expect(failing).rejects.toThrow('callback failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects data without a validation split or without the positive class', async () => {
    const config = parseTrainConfig(tiny);
    await expect(train({ root: data.root, images: data.images.filter((r) => r.split === 'train'), config, runDir: runDir('noval'), handleSigint: false })).rejects.toThrow(/carve a validation split/);
    await expect(train({ ...data, config: parseTrainConfig({ ...tiny, positiveClass: 'COVID' }), runDir: runDir('nopos'), handleSigint: false })).rejects.toThrow(/positive class 'COVID'/);
  });
});

describe('lrFind', () => {
  it('returns an increasing LR sweep and a suggestion inside it', async () => {
    const result = await lrFind({ ...data, config: parseTrainConfig(tiny), steps: 30, outDir: runDir('lr') });
    expect(result.points.length).toBeGreaterThan(10);
    for (let i = 1; i < result.points.length; i++) expect(result.points[i]!.lr).toBeGreaterThan(result.points[i - 1]!.lr);
    expect(result.suggested).toBeGreaterThanOrEqual(result.points[0]!.lr);
    expect(result.suggested).toBeLessThanOrEqual(result.points[result.points.length - 1]!.lr);
    expect(await readFile(result.files.csv!, 'utf8')).toMatch(/^lr,loss,smoothed\n/);
    expect(await readFile(result.files.svg!, 'utf8')).toMatch(/<svg/);
  });
});
