import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfigInput } from './config.js';
import { ensembleProgressLine } from './ensemble.js';
import { predict } from './predict.js';
import { useSyntheticDataset } from './test-fixtures.js';
import { configDigest, train } from './train.js';

// Two members of a tiny net on 16×16 synthetic images, a few seconds in all.
const tiny: TrainConfigInput = {
  imageSize: 16,
  model: 'cnn4',
  width: 0.5,
  epochs: 2,
  batchSize: 8,
  maxLr: 1e-2,
  workers: 0,
  backend: 'wasm',
  earlyStopping: null,
  seed: 5,
  intensity: 'none',
  tta: 2,
  augmentation: { gamma: 0, blur: 0, noise: 0, erase: 0 },
  ensemble: 2,
};

const data = useSyntheticDataset({ perClass: 12, valPerClass: 4, size: 20 });
const backend = { backend: 'wasm', workers: 0 } as const;

describe('seed ensemble', () => {
  it('trains one member per seed, numbers epochs on across members, and predict averages the members', async () => {
    const epochs: number[] = [];
    const runDir = join(data.root, 'runs', 'ensemble');
    let said = '';
    const stderr = new Writable({ write: (chunk: Buffer, _enc, next) => void ((said += chunk.toString()), next()) });
    const result = await train({ ...data, config: parseTrainConfig(tiny), runDir, handleSigint: false, stderr, callbacks: { onEpochEnd: ({ epoch }) => void epochs.push(epoch) } });
    expect(epochs).toEqual([0, 1, 2, 3]);
    // each member's bars restart at epoch 1, so the run's progress is said after every epoch
    expect(said.match(/^ensemble: .*$/gm)).toEqual([
      'ensemble: 1 of at most 4 epochs done, under a minute left at this pace',
      'ensemble: 2 of at most 4 epochs done, under a minute left at this pace',
      'ensemble: 3 of at most 4 epochs done, under a minute left at this pace',
      'ensemble: 4 of 4 epochs done',
    ]);
    expect(result.history.map((h) => (h as unknown as { epoch: number }).epoch)).toEqual([0, 1, 2, 3]);
    expect(result.members).toEqual([
      { seed: 5, epochsRun: 2, bestEpoch: 1 },
      { seed: 6, epochsRun: 2, bestEpoch: 1 },
    ]);
    expect(JSON.parse(await readFile(join(result.modelDir, 'ensemble.json'), 'utf8'))).toEqual({ members: ['member-0', 'member-1'] });

    const val = data.images.filter((r) => r.split === 'val');
    const mean = await predict({ root: data.root, images: val, modelDir: result.modelDir, config: backend });
    const [a, b] = await Promise.all(['member-0', 'member-1'].map((m) => predict({ root: data.root, images: val, modelDir: join(result.modelDir, m), config: backend })));
    expect(a!.map((p) => p.prob)).not.toEqual(b!.map((p) => p.prob));
    mean.forEach((p, i) => expect(p.prob).toBeCloseTo((a![i]!.prob + b![i]!.prob) / 2, 12));
  });

  it('resumes an interrupted ensemble: finished members are kept, the interrupted one continues to the same weights', async () => {
    const config = parseTrainConfig(tiny);
    const straight = await train({ ...data, config, runDir: join(data.root, 'runs', 'straight'), handleSigint: false });
    const abort = new AbortController();
    const dir = join(data.root, 'runs', 'interrupted');
    // epochs are numbered on, so epoch 2 is member 1's first: member 0 is finished, member 1 stops mid-epoch
    const first = await train({ ...data, config, runDir: dir, handleSigint: false, signal: abort.signal, callbacks: { onStep: ({ epoch }) => epoch === 2 && abort.abort() } });
    expect(first.interrupted).toBe(true);
    expect(first.members).toHaveLength(1);
    let said = '';
    const stderr = new Writable({ write: (chunk: Buffer, _enc, next) => void ((said += chunk.toString()), next()) });
    const resumed = await train({ ...data, config, runDir: dir, handleSigint: false, resumeFrom: dir, stderr });
    expect(resumed.interrupted).toBe(false);
    expect(said).toMatch(/^ensemble member 1 of 2 \(seed 5\): trained before this resume, kept$/m);
    expect(said).toMatch(/^ensemble member 2 of 2 \(seed 6\): resuming from its checkpoint$/m);
    expect(resumed.history.map((h) => h.val_loss)).toEqual(straight.history.map((h) => h.val_loss));
    for (const m of ['member-0', 'member-1']) {
      const weights = (d: string) => readFile(join(d, 'model', m, 'weights.bin'));
      expect((await weights(dir)).equals(await weights(join(data.root, 'runs', 'straight')))).toBe(true);
    }
  });

  it("says the ensemble's progress as epochs of the most it can take and the time that leaves", () => {
    expect(ensembleProgressLine(29, 72, 40)).toBe('ensemble: 29 of at most 72 epochs done, about 29 min left at this pace');
    expect(ensembleProgressLine(70, 72, 20)).toBe('ensemble: 70 of at most 72 epochs done, under a minute left at this pace');
    expect(ensembleProgressLine(60, 60, 20)).toBe('ensemble: 60 of 60 epochs done');
  });

  it('leaves the config digest of a single model unchanged', () => {
    const one = parseTrainConfig({ ...tiny, ensemble: 1 });
    const { ensemble: _omitted, ...withoutField } = one;
    expect(configDigest(one)).toBe(configDigest(withoutField as typeof one));
    expect(configDigest(parseTrainConfig(tiny))).not.toBe(configDigest(one));
  });
});
