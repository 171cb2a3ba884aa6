import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareBackend } from '../backend.js';
import { parseTrainConfig } from '../config.js';
import { AdamW } from '../model/adamw.js';
import { createModel, type TrainableModel } from '../model/build-model.js';
import { Rng } from '../rng.js';
import { writeSyntheticDataset } from '../test-fixtures.js';
import { train } from '../train.js';
import { createDataParallelGradients, usesDataParallel } from './data-parallel-step.js';
import { trainStep } from './train-step.js';
import { ImagePool } from '../data/image-pool.js';
import { drawAugmentParams } from '../data/augment.js';

// No BatchNorm and no dropout: then the sharded gradients equal the full-batch ones up to float rounding.
const config = parseTrainConfig({ imageSize: 16, model: 'cnn4', width: 0.5, dropout: 0, batchSize: 8, workers: 2, dataParallel: true, backend: 'wasm', seed: 5 });

function weightsOf(trainable: TrainableModel): Float32Array[] {
  return trainable.model.getWeights().map((w) => w.dataSync() as Float32Array);
}

/** Largest |a − b| of each weight tensor relative to that tensor's largest |a|. */
function maxRelativeDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((wa, i) => {
    const wb = b[i]!;
    let scale = 1e-12;
    let diff = 0;
    for (let j = 0; j < wa.length; j++) {
      scale = Math.max(scale, Math.abs(wa[j]!));
      diff = Math.max(diff, Math.abs(wa[j]! - wb[j]!));
    }
    worst = Math.max(worst, diff / scale);
  });
  return worst;
}

/** OS threads of this process (worker threads are threads); Linux only, null elsewhere. */
function threadCount(): number | null {
  return existsSync('/proc/self/task') ? readdirSync('/proc/self/task').length : null;
}

describe('data-parallel gradients', () => {
  it('applies only when asked, with ≥ 2 workers, on wasm and ≥ 2 cores', () => {
    expect(usesDataParallel(config, 'wasm', 2)).toBe(true);
    expect(usesDataParallel({ ...config, dataParallel: false }, 'wasm', 2)).toBe(false);
    expect(usesDataParallel({ ...config, workers: 1 }, 'wasm', 2)).toBe(false);
    expect(usesDataParallel(config, 'tensorflow', 2)).toBe(false);
    expect(usesDataParallel(config, 'wasm', 1)).toBe(false);
  });

  it('3 AdamW steps on cnn4 end with the single-thread weights (1e-4 relative), the threads augmenting into shared memory', async () => {
    await prepareBackend('wasm');
    const single = await createModel(config);
    const parallel = await createModel(config);
    const optSingle = new AdamW();
    const optParallel = new AdamW();
    const n = 8;
    const pool = new ImagePool(16, n, 0);
    const rng = Rng.fromSeed(7, 'dp-spec');
    pool.bytes.forEach((_, i) => (pool.bytes[i] = Math.floor(rng.next() * 256)));
    const norm = { mean: 0.5, std: 0.25 };
    const gradients = await createDataParallelGradients(config, pool, norm, parallel);
    try {
      expect(gradients.workers).toBe(2);
      expect(maxRelativeDifference(weightsOf(single), weightsOf(parallel))).toBe(0);
      for (let step = 0; step < 3; step++) {
        const slots = Array.from({ length: n }, (_, i) => (i + step) % n);
        const params = slots.map(() => drawAugmentParams(rng, parseTrainConfig({}).augmentation, 16));
        const y = Float32Array.from({ length: n }, (_, i) => i % 2);
        const w = Float32Array.from(y, (label) => (label === 1 ? 0.75 : 1.5));
        const x = await pool.batch(slots, params, norm);
        const hyper = { lr: 3e-3 * (step + 1), beta1: 0.95 - 0.03 * step, beta2: 0.99, eps: 1e-6, weightDecay: 1e-2 };
        const lossSingle = trainStep(single, optSingle, single.variables, { x, y, w, n, size: 16, mixLambda: 1 }, hyper, [5, 'dropout', 0, step]);
        const batch = { step, n, slots, params, x: null, y, w, mixLambda: 1 };
        const lossParallel = await gradients.step(parallel, optParallel, parallel.variables, batch, hyper, [5, 'dropout', 0, step]);
        expect(Math.abs(lossParallel - lossSingle)).toBeLessThan(1e-4 * Math.max(1, lossSingle));
      }
      expect(maxRelativeDifference(weightsOf(single), weightsOf(parallel))).toBeLessThan(1e-4);
    } finally {
      await gradients.dispose();
      await pool.close();
      optSingle.dispose();
      optParallel.dispose();
      single.model.dispose();
      parallel.model.dispose();
    }
  }, 30_000);

  it('augmenting batches ahead changes nothing: resnet-s (BN, dropout, all augmentation extras), bit for bit', async () => {
    await prepareBackend('wasm');
    const dp = parseTrainConfig({ imageSize: 16, model: 'resnet-s', width: 0.25, dropout: 0.3, batchSize: 7, workers: 2, dataParallel: true, backend: 'wasm', seed: 9 });
    const augmentation = { ...dp.augmentation, gamma: 0.3, blur: 1.5, noise: 0.05, erase: 0.5 };
    const rng = Rng.fromSeed(8, 'dp-lookahead-spec');
    const pool = new ImagePool(16, 12, 0);
    pool.bytes.forEach((_, i) => (pool.bytes[i] = Math.floor(rng.next() * 256)));
    const norm = { mean: 0.5, std: 0.25 };
    const batches = Array.from({ length: 5 }, (_, step) => {
      const slots = Array.from({ length: 7 }, (_, i) => (3 * i + step) % 12);
      const y = Float32Array.from(slots, (s) => s % 2);
      return { step, n: 7, slots, params: slots.map(() => drawAugmentParams(rng, augmentation, 16)), x: null, y, w: Float32Array.from(y, (label) => (label === 1 ? 0.75 : 1.5)), mixLambda: 1 };
    });
    const run = async (aheadOf: (step: number) => (typeof batches)[number][]) => {
      const trainable = await createModel(dp);
      const optimizer = new AdamW();
      const gradients = await createDataParallelGradients(dp, pool, norm, trainable);
      try {
        const losses: number[] = [];
        for (const batch of batches) {
          const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-6, weightDecay: 1e-2 };
          losses.push(await gradients.step(trainable, optimizer, trainable.variables, batch, hyper, [9, 'dropout', 0, batch.step], aheadOf(batch.step)));
        }
        return { losses, weights: weightsOf(trainable) };
      } finally {
        await gradients.dispose();
        optimizer.dispose();
        trainable.model.dispose();
      }
    };
    try {
      const cold = await run(() => []);
      // the two batches that follow (fewer at the end), as in training
      const twoAhead = await run((step) => batches.slice(step + 1, step + 3));
      // step 1 announces one batch ahead, step 2 a pair that never comes in that order (a stop, say), step 3 the rest
      const mixed = await run((step) => (step === 1 ? [batches[2]!] : step === 2 ? [batches[4]!, batches[3]!] : batches.slice(step + 1, step + 3)));
      for (const ahead of [twoAhead, mixed]) {
        expect(ahead.losses).toEqual(cold.losses);
        expect(maxRelativeDifference(cold.weights, ahead.weights)).toBe(0);
      }
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a dataParallel train() run completes and terminates its workers', async () => {
    const { root, images } = await writeSyntheticDataset({ perClass: 8, valPerClass: 4, size: 20 });
    try {
      const threadsBefore = threadCount();
      let threadsDuring: number | null = null;
      const result = await train({
        root,
        images,
        config: { ...config, epochs: 1, earlyStopping: null },
        runDir: join(root, 'run'),
        handleSigint: false,
        callbacks: { onStep: () => void (threadsDuring = threadCount()) },
      });
      expect(result.epochsRun).toBe(1);
      expect(Number.isFinite(result.history[0]!.loss)).toBe(true);
      if (threadsBefore !== null) {
        // one shard worker (this thread trains the other shard) and the two-thread decode pool run during training and are gone afterwards
        expect(threadsDuring!).toBeGreaterThanOrEqual(threadsBefore + 3);
        expect(threadCount()).toBeLessThanOrEqual(threadsBefore);
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  it('is reproducible given seed and workers: two resnet-s runs (BN per shard, dropout per shard) write identical weights', async () => {
    const { root, images } = await writeSyntheticDataset({ perClass: 8, valPerClass: 4, size: 20 });
    try {
      const dp = parseTrainConfig({ imageSize: 16, model: 'resnet-s', width: 0.25, dropout: 0.3, batchSize: 8, workers: 2, dataParallel: true, backend: 'wasm', seed: 9, epochs: 1, earlyStopping: null });
      const a = await train({ root, images, config: dp, runDir: join(root, 'a'), handleSigint: false });
      const b = await train({ root, images, config: dp, runDir: join(root, 'b'), handleSigint: false });
      const bytes = (dir: string) => readFileSync(join(dir, 'weights.bin'));
      expect(bytes(a.modelDir).equals(bytes(b.modelDir))).toBe(true);
      expect(a.history[0]!.loss).toBe(b.history[0]!.loss);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);
});
