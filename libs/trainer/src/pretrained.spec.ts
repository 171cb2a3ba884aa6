import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '@leakproof/wasm-training';
import { parseTrainConfig } from './config.js';
import { createModel, discriminativeScales, frozenTrainable } from './model/build-model.js';
import { fsIOHandler } from './model/fs-io-handler.js';
import { predict } from './predict.js';
import { useSyntheticDataset } from './test-fixtures.js';
import { train } from './train.js';

const data = useSyntheticDataset({ perClass: 12, valPerClass: 4, size: 24, seed: 3 });
let pretrainedDir = '';

beforeAll(async () => {
  await useWasmBackend();
  // a stand-in "ImageNet" model: RGB input and a 3-way softmax head that fine-tuning must replace
  const input = tf.input({ shape: [16, 16, 3] });
  let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization().apply(x) as tf.SymbolicTensor;
  x = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  pretrainedDir = join(data.root, 'pretrained');
  await model.save(fsIOHandler(pretrainedDir));
  model.dispose();
});

describe('pretrained models', () => {
  const config = parseTrainConfig({
    imageSize: 16,
    model: { pretrained: 'set-per-test' },
    epochs: 1,
    batchSize: 8,
    workers: 0,
    backend: 'wasm',
    earlyStopping: null,
    fineTune: { frozenEpochs: 1, layerGroups: 3 },
  });

  it('replaces a non-binary head, freezes the body except BN, and spreads LRs over layer groups', async () => {
    const trainable = await createModel({ ...config, model: { pretrained: pretrainedDir } });
    expect(trainable.pretrained).toBe(true);
    expect(trainable.inputChannels).toBe(3);
    expect(trainable.model.outputs[0]!.shape).toEqual([null, 1]);
    const frozen = frozenTrainable(trainable).map((i) => trainable.variables[i]!.name);
    expect(frozen.some((n) => /gamma|beta/.test(n))).toBe(true);
    expect(frozen.some((n) => /conv2d.*kernel/.test(n))).toBe(false);
    const scales = discriminativeScales(trainable, 1e-5, 1e-3);
    const head = trainable.groups[trainable.groups.length - 1]!.map((i) => scales.get(trainable.variables[i]!.name));
    const first = trainable.groups[0]!.map((i) => scales.get(trainable.variables[i]!.name));
    expect(head.every((s) => s === 1)).toBe(true);
    expect(first.every((s) => Math.abs(s! - 0.01) < 1e-12)).toBe(true);
    trainable.model.dispose();
  });

  it('fine-tunes frozen then unfrozen (LR from lr_find) and predicts from the saved model', async () => {
    const runDir = join(data.root, 'run');
    const result = await train({ ...data, config: { ...config, model: { pretrained: pretrainedDir } }, runDir, handleSigint: false });
    expect(result.epochsRun).toBe(2);
    const preds = await predict({ root: data.root, images: data.images.filter((r) => r.split === 'val'), modelDir: result.modelDir, config });
    expect(preds).toHaveLength(8);
    for (const p of preds) expect(p.prob).toBeGreaterThanOrEqual(0);
  });

  it('names the folder and the fix when the model cannot be read or does not fit', async () => {
    await expect(createModel({ ...config, model: { pretrained: join(data.root, 'nope') } })).rejects.toThrow(/model.pretrained .*model.json/s);
    await expect(createModel({ ...config, imageSize: 32, model: { pretrained: pretrainedDir } })).rejects.toThrow(/imageSize=16/);
  });
});
