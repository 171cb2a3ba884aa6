import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.js';
import type { Normalisation } from '../data/augment.js';
import type { ImagePool } from '../data/image-pool.js';
import type { AdamW, AdamWStepOptions } from '../model/adamw.js';
import type { TrainableModel } from '../model/build-model.js';
import type { TrainBatch } from './batches.js';
import { augmentShard, shardGradients, weightFloats, writeWeights, type ShardTask } from './shard-step.js';
import type { ShardReply, ShardWorkerData } from './shard-worker.js';

/**
 * Data-parallel steps on `workers` threads: this thread trains shard 0 of every batch with the trainer's own
 * model while workers-1 worker threads (one wasm backend each) train the others. Each thread augments its own
 * images from the shared Uint8 cache, so no batch is copied between threads; weights go out and share-scaled
 * gradients come back through SharedArrayBuffers, and the update stays this package's AdamW (one-cycle β1,
 * per-group LRs, checkpointed moments). Given the seed and the worker count a run is reproducible: each shard
 * draws dropout from its own keyed stream and BN uses per-shard batch statistics (moving statistics are averaged).
 */
export interface DataParallelGradients {
  readonly workers: number;
  step(trainable: TrainableModel, optimizer: AdamW, active: readonly tf.Variable[], batch: TrainBatch, hyper: AdamWStepOptions, dropoutKey: (number | string)[]): Promise<number>;
  dispose(): Promise<void>;
}

/** Whether `config` asks for data-parallel steps and they can pay off (≥ 2 workers, wasm backend, ≥ 2 cores). */
export function usesDataParallel(config: TrainConfig, backendName = 'wasm', cores = availableParallelism()): boolean {
  return config.dataParallel && config.workers >= 2 && backendName === 'wasm' && cores >= 2;
}

class ShardWorker {
  private readonly worker: Worker;
  private pending: { resolve: (loss: number) => void; reject: (e: Error) => void } | undefined;
  readonly ready: Promise<void>;
  private failure: Error | undefined;

  constructor(data: ShardWorkerData) {
    this.worker = new Worker(new URL('./shard-worker.mjs', import.meta.url), { workerData: data });
    this.ready = new Promise((resolve, reject) => {
      this.pending = { resolve: () => resolve(), reject };
    });
    this.worker.on('message', (msg: ShardReply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (msg.type === 'error') pending?.reject(new Error(`data-parallel worker failed: ${msg.message}`));
      else pending?.resolve(msg.type === 'done' ? msg.loss : 0);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => code !== 0 && this.fail(new Error(`data-parallel worker exited with code ${code}`)));
  }

  private fail(err: Error): void {
    this.failure = err;
    this.pending?.reject(err);
    this.pending = undefined;
  }

  run(task: ShardTask): Promise<number> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(task);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** Contiguous shard sizes of n samples over `parts` threads, as even as possible (empty shards dropped). */
export function shardSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0)).filter((s) => s > 0);
}

export async function createDataParallelGradients(config: TrainConfig, pool: ImagePool, norm: Normalisation, trainable: TrainableModel): Promise<DataParallelGradients> {
  const floats = weightFloats(trainable);
  const total = [...floats.trainable, ...floats.nonTrainable].reduce((a, b) => a + b, 0);
  const weights = new Float32Array(new SharedArrayBuffer(total * 4));
  const slots = Array.from({ length: config.workers }, () => new Float32Array(new SharedArrayBuffer(total * 4)));
  const workers = slots.slice(1).map((grads) => new ShardWorker({ config, cache: pool.cache, size: pool.size, norm, weights: weights.buffer as SharedArrayBuffer, grads: grads.buffer as SharedArrayBuffer }));
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  const cache = new Uint8Array(pool.cache);

  async function step(model: TrainableModel, optimizer: AdamW, active: readonly tf.Variable[], batch: TrainBatch, hyper: AdamWStepOptions, dropoutKey: (number | string)[]): Promise<number> {
    const activeIdx = active.map((v) => model.variables.indexOf(v));
    const sizes = shardSizes(batch.n, slots.length);
    const tasks: ShardTask[] = [];
    let from = 0;
    for (const [k, s] of sizes.entries()) {
      const to = from + s;
      tasks.push({ slots: batch.slots.slice(from, to), params: batch.params.slice(from, to), y: batch.y.slice(from, to), w: batch.w.slice(from, to), share: s / batch.n, active: activeIdx, dropoutKey: [...dropoutKey, 'shard', k] });
      from = to;
    }
    writeWeights(model, weights);
    const remote = tasks.slice(1).map((task, k) => workers[k]!.run(task));
    // this thread's shard runs while the workers run theirs
    const mine = shardGradients(model, tasks[0]!, augmentShard(cache, tasks[0]!, pool.size, norm), pool.size, slots[0]!);
    const losses = [mine, ...(await Promise.all(remote))];
    const sum = slots[0]!;
    const used = activeIdx.reduce((a, i) => a + floats.trainable[i]!, 0) + floats.nonTrainable.reduce((a, b) => a + b, 0);
    for (let k = 1; k < tasks.length; k++) {
      const part = slots[k]!;
      for (let j = 0; j < used; j++) sum[j] = sum[j]! + part[j]!;
    }
    applySummed(model, optimizer, active, sum, hyper);
    return losses.reduce((a, b) => a + b, 0);
  }

  return {
    workers: config.workers,
    step,
    async dispose() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** AdamW on the summed gradients (packed in `active` order), then the averaged BN moving statistics. */
function applySummed(model: TrainableModel, optimizer: AdamW, active: readonly tf.Variable[], sum: Float32Array, hyper: AdamWStepOptions): void {
  tf.tidy(() => {
    const grads: tf.NamedTensorMap = {};
    let offset = 0;
    for (const v of active) {
      grads[v.name] = tf.tensor(sum.subarray(offset, offset + v.size), v.shape);
      offset += v.size;
    }
    optimizer.apply(active, grads, hyper);
    for (const w of model.model.nonTrainableWeights) {
      const size = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      w.write(tf.tensor(sum.subarray(offset, offset + size), w.shape as number[]));
      offset += size;
    }
  });
}
