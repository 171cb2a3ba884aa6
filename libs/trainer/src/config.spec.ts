import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyOverrides, loadTrainConfig, parseRecordedTrainConfig, parseTrainConfig, TrainConfigError } from './config.js';
import { configDigest } from './train.js';

describe('train config', () => {
  it('fills CPU-practical defaults', () => {
    const config = parseTrainConfig({});
    expect(config.imageSize).toBe(128);
    expect(config.augmentation.hflip).toBe(false);
    expect(config.oneCycle.beta1).toEqual([0.95, 0.85]);
    expect(config.classImbalance).toBe('weights');
  });

  it('applies dotted overrides with JSON values', () => {
    const out = applyOverrides({ epochs: 10 }, ['epochs=3', 'augmentation.hflip=true', 'model=cnn4', 'oneCycle.beta1=[0.9,0.8]']);
    expect(out).toEqual({ epochs: 3, augmentation: { hflip: true }, model: 'cnn4', oneCycle: { beta1: [0.9, 0.8] } });
    expect(() => applyOverrides({}, ['epochs'])).toThrow(/key=value/);
  });

  it('refuses overrides that would reach Object.prototype, and never pollutes it', () => {
    const attempts = ['__proto__.polluted=1', 'constructor.prototype.polluted=1', 'a.__proto__.polluted=1', 'prototype=1', 'a..b=1', 'a={"__proto__":{"polluted":1}}', 'a=[{"constructor":{"prototype":{"polluted":1}}}]'];
    for (const override of attempts) {
      expect(() => applyOverrides({}, [override]), override).toThrow(TrainConfigError);
      expect(() => applyOverrides({}, [override]), override).toThrow(/is not a config field|empty key/);
    }
    expect(() => applyOverrides(JSON.parse('{"__proto__": {"polluted": 1}}') as Record<string, unknown>, [])).toThrow(/prototype/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(applyOverrides({ a: { b: 1 } }, ['c.d=2'])['c'])).toBeNull();
    expect(parseTrainConfig(applyOverrides({}, ['epochs=2', 'augmentation.hflip=true'])).augmentation.hflip).toBe(true);
  });

  it('names the bad field', () => {
    expect(() => parseTrainConfig({ imageSize: 5 })).toThrow(/imageSize/);
    expect(() => parseTrainConfig({ epochz: 5 })).toThrow(TrainConfigError);
    expect(() => parseTrainConfig({ model: 'vgg' })).toThrow(/model/);
  });

  it('loads a file, keeps its text verbatim and records the overrides', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trainer-config-'));
    const path = join(dir, 'train.json');
    const text = '{ "epochs": 5,\n  "model": { "pretrained": "/models/x" } }\n';
    await writeFile(path, text);
    const loaded = await loadTrainConfig(path, ['epochs=2']);
    expect(loaded.text).toBe(text);
    expect(loaded.config.epochs).toBe(2);
    expect(loaded.config.model).toEqual({ pretrained: '/models/x' });
    expect(loaded.verbatim).toContain(text);
    expect(loaded.verbatim).toContain('epochs=2');
    await writeFile(path, '{ nope');
    await expect(loadTrainConfig(path)).rejects.toThrow(/not valid JSON/);
    await expect(loadTrainConfig(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
  });

  it('leaves the new options out of the checkpoint digest at their old values, so older checkpoints still resume', () => {
    const config = parseTrainConfig({ intensity: 'none', tta: 1, labelSmoothing: 0, augmentation: { gamma: 0, blur: 0, noise: 0, erase: 0 } });
    const { dataParallel: _dp, intensity: _i, tta: _t, ensemble: _en, labelSmoothing: _ls, mixup: _mx, ...old } = config;
    const { gamma: _g, blur: _b, noise: _n, erase: _e, border: _bo, ...oldAugmentation } = config.augmentation;
    const before = createHash('sha256').update(JSON.stringify({ ...old, augmentation: oldAugmentation })).digest('hex').slice(0, 16);
    expect(configDigest(config)).toBe(before);
    expect(configDigest(parseTrainConfig({}))).not.toBe(before);
    expect(configDigest({ ...config, intensity: 'clahe' })).not.toBe(before);
    expect(configDigest({ ...config, augmentation: { ...config.augmentation, noise: 0.02 } })).not.toBe(before);
    expect(configDigest({ ...config, mixup: 0.2 })).not.toBe(before);
    expect(configDigest({ ...config, labelSmoothing: 0.1 })).not.toBe(before);
    expect(configDigest({ ...config, augmentation: { ...config.augmentation, border: 0.5 } })).not.toBe(before);
    expect(() => parseTrainConfig({ intensity: 'gamma' })).toThrow(/intensity/);
    expect(() => parseTrainConfig({ tta: 9 })).toThrow(/tta/);
  });

  it('reads a config recorded before later fields existed as it trained then, not with today\'s defaults', () => {
    const today = parseTrainConfig({ epochs: 5 });
    const { intensity: _i, tta: _t, labelSmoothing: _ls, mixup: _mx, ...recorded } = today;
    const { gamma: _g, blur: _b, noise: _n, erase: _e, border: _bo, ...augmentation } = today.augmentation;
    const older = parseRecordedTrainConfig(JSON.parse(JSON.stringify({ ...recorded, augmentation })) as Record<string, unknown>);
    expect(older).toMatchObject({ epochs: 5, intensity: 'none', tta: 1, labelSmoothing: 0, mixup: 0 });
    expect(older.augmentation).toMatchObject({ gamma: 0, blur: 0, noise: 0, erase: 0, border: 0, zoom: today.augmentation.zoom });
    expect(configDigest(older)).toBe(configDigest(parseTrainConfig({ ...recorded, intensity: 'none', tta: 1, labelSmoothing: 0, augmentation: { ...augmentation, gamma: 0, blur: 0, noise: 0, erase: 0 } })));
    // a config recorded today holds every field and reads back unchanged
    expect(parseRecordedTrainConfig(JSON.parse(JSON.stringify(today)) as Record<string, unknown>)).toEqual(today);
    expect(() => parseRecordedTrainConfig({ ...recorded, tta: 0 }, "run 7's recorded config")).toThrow(/run 7's recorded config is invalid:\n {2}tta/);
  });
});
