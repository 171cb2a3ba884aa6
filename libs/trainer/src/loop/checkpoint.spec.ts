import { describe, expect, it } from 'vitest';
import { checkpointStateJson, parseCheckpointState, type CheckpointState } from './checkpoint.js';

const state = (history: Record<string, number>[], bestValue: number): CheckpointState => ({
  version: 1,
  epoch: 1,
  stepInEpoch: 0,
  globalStep: 10,
  epochLossSum: 0,
  epochSeen: 0,
  history,
  best: { epoch: 0, value: bestValue },
  badEpochs: 0,
  unfrozenMaxLr: null,
  rng: { seed: 42, scheme: 'sfc32/fnv-keyed' },
  configDigest: 'abc',
});

describe('checkpoint state', () => {
  it('keeps NaN and ±Infinity metrics through a save and a resume (a model that predicts no positive has no precision)', () => {
    const saved = state([{ val_loss: 0.5, val_precision: Number.NaN, val_auc: Number.POSITIVE_INFINITY, x: Number.NEGATIVE_INFINITY }], Number.NaN);
    const restored = parseCheckpointState(checkpointStateJson(saved));
    expect(restored.history[0]!['val_precision']).toBeNaN();
    expect(restored.history[0]!['val_auc']).toBe(Number.POSITIVE_INFINITY);
    expect(restored.history[0]!['x']).toBe(Number.NEGATIVE_INFINITY);
    expect(restored.best?.value).toBeNaN();
    expect(restored.history[0]!['val_loss']).toBe(0.5);
  });

  it('reads the null that earlier versions wrote for a NaN metric as NaN', () => {
    const text = checkpointStateJson(state([{ val_loss: 0.5 }], 0.5)).replace('"val_loss": 0.5', '"val_loss": null');
    expect(parseCheckpointState(text).history[0]!['val_loss']).toBeNaN();
  });

  it('still refuses a state that is not a checkpoint', () => {
    expect(() => parseCheckpointState('{"version": 2}')).toThrow();
  });
});
