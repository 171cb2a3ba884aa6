import { describe, expect, it } from 'vitest';
import { expandGrid, pickBest } from './sweep-grid.js';

describe('sweep grid', () => {
  it('expands every combination × seeds, in a stable order', () => {
    const points = expandGrid('train.maxLr=[0.001,0.003] train.imageSize=[128,160]', 2);
    expect(points).toHaveLength(8);
    expect(points[0]?.overrides).toEqual(['train.maxLr=0.001', 'train.imageSize=128', 'train.seed=1']);
    expect(points[7]?.overrides).toEqual(['train.maxLr=0.003', 'train.imageSize=160', 'train.seed=2']);
    expect(expandGrid("train.model=[resnet-s,cnn4]", 1).map((p) => p.values['train.model'])).toEqual(['resnet-s', 'cnn4']);
  });

  it('keeps JSON values whole: tuples, objects and strings with commas (they were cut at the first comma or bracket)', () => {
    expect(expandGrid('train.fineTune.lrSlice=[[0.0001,0.001],null] train.maxLr=[0.001]', 1).map((p) => p.overrides)).toEqual([
      ['train.fineTune.lrSlice=[0.0001,0.001]', 'train.maxLr=0.001'],
      ['train.fineTune.lrSlice=null', 'train.maxLr=0.001'],
    ]);
    expect(expandGrid('train.oneCycle=[{"pctStart":0.3,"divFactor":10}]', 1)[0]?.values['train.oneCycle']).toEqual({ pctStart: 0.3, divFactor: 10 });
    expect(expandGrid('train.model=[{"pretrained":"models/a,b]"},"cnn4"]', 1).map((p) => p.values['train.model'])).toEqual([{ pretrained: 'models/a,b]' }, 'cnn4']);
    expect(() => expandGrid('train.fineTune.lrSlice=[[0.0001,0.001]', 1)).toThrow(/cannot read --grid .* after position 0/);
    expect(() => expandGrid('train.maxLr=[0.001} train.epochs=[1]', 1)).toThrow(/cannot read/);
  });

  it('refuses keys that would change the split plan, and unreadable specs', () => {
    expect(() => expandGrid('splits.seed=[1,2]', 1)).toThrow(/one split plan/);
    expect(() => expandGrid('train.maxLr=0.001', 1)).toThrow(/cannot read/);
    expect(() => expandGrid('train.seed=[1,2]', 1)).toThrow(/--seeds/);
  });

  it('refuses a grid too large to train before building it (--seeds 1e9 ran the submitting process out of memory)', () => {
    expect(() => expandGrid('train.maxLr=[0.001,0.003]', 1e9)).toThrow(/2 train\.maxLr × 1000000000 seed\(s\) = 2000000000 configurations.*at most 10000/);
    expect(expandGrid('train.maxLr=[0.001,0.003]', 5000)).toHaveLength(10_000);
  });

  it('picks the best configuration on a validation metric only', () => {
    const runs = [
      { runId: 1, index: 0, status: 'finished', value: 0.8 },
      { runId: 2, index: 1, status: 'finished', value: 0.9 },
      { runId: 3, index: 2, status: 'failed', value: 0.99 },
    ];
    expect(pickBest('val_auc', runs)?.runId).toBe(2);
    expect(pickBest('val_loss', runs)?.runId).toBe(1);
    expect(() => pickBest('test_auc', runs)).toThrow(/never on test/);
  });
});
