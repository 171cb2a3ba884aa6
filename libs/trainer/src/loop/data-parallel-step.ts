import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.js';
import type { Normalisation } from '../data/augment.js';
import type { ImagePool } from '../data/image-pool.js';
import type { AdamW, AdamWStepOptions } from '../model/adamw.js';
import type { TrainableModel } from '../model/build-model.js';
import type { TrainBatch } from './batches.js';
import { shardGradients, weightFloats, writeWeights, type ShardTask } from './shard-step.js';
import type { ShardReply, ShardWorkerData, WorkerTask } from './shard-worker.js';
import { createSharedInputBuffers, SharedInputs, type InputPlan } from './shared-inputs.js';
import { mixTargets } from './soft-targets.js';

/**
 * Data-parallel steps on `workers` threads: this thread trains shard 0 of every batch with the trainer's own
 * model while workers-1 worker threads (one wasm backend each) train the others. The threads augment the
 * batch's images from the shared Uint8 cache into a shared input buffer, each claiming whatever image is next,
 * and augment the batches ahead whenever they would otherwise wait for each other (the workers during this
 * thread's weight update, this thread while a worker is still computing). Weights go out and share-scaled
 * gradients come back through SharedArrayBuffers, and the update stays this package's AdamW (one-cycle β1,
 * per-group LRs, checkpointed moments). Given the seed and the worker count a run is reproducible: each shard
 * draws dropout from its own keyed stream and BN uses per-shard batch statistics (moving statistics are averaged).
 */
export interface DataParallelGradients {
  readonly workers: number;
  /** `ahead`: the batches that follow, in order (at most INPUT_BUFFERS − 1), whose images the threads may augment during this step */
  step(trainable: TrainableModel, optimizer: AdamW, active: readonly tf.Variable[], batch: TrainBatch, hyper: AdamWStepOptions, dropoutKey: (number | string)[], ahead?: readonly TrainBatch[]): Promise<number>;
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
      // an error after 'done' (augmenting ahead) has no pending step: it fails the next one
      if (msg.type === 'error') return this.fail(new Error(`data-parallel worker failed: ${msg.message}`));
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve(msg.type === 'done' ? msg.loss : 0);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => code !== 0 && this.fail(new Error(`data-parallel worker exited with code ${code}`)));
  }

  private fail(err: Error): void {
    this.failure = err;
    this.pending?.reject(err);
    this.pending = undefined;
  }

  run(task: WorkerTask): Promise<number> {
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
  const buffers = createSharedInputBuffers(config.batchSize, pool.size);
  const finished = new Int32Array(new SharedArrayBuffer(4 * (config.workers - 1)));
  const workers = slots.slice(1).map(
    (grads, index) =>
      new ShardWorker({ config, cache: pool.cache, size: pool.size, norm, weights: weights.buffer as SharedArrayBuffer, grads: grads.buffer as SharedArrayBuffer, inputs: buffers, finished: finished.buffer as SharedArrayBuffer, index }),
  );
  try {
    await Promise.all(workers.map((w) => w.ready));
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  const inputs = new SharedInputs(buffers, pool.cache, pool.size, norm);
  /** the batches announced as `ahead` by the previous step, and where their images are being augmented */
  let prepared: { batch: TrainBatch; plan: InputPlan }[] = [];

  /**
   * Where the images of `batches` (the running one first, then those ahead) are: the plans prepared by the
   * previous step when it announced them in this order, and buffers opened now for the rest.
   */
  async function plansFor(batches: readonly TrainBatch[], failed: () => unknown): Promise<InputPlan[]> {
    if (batches.length > buffers.count) throw new Error(`${batches.length - 1} batches ahead do not fit ${buffers.count} input buffers`);
    const kept = prepared.every((p, i) => batches[i] === p.batch) ? prepared : [];
    if (kept !== prepared) {
      // other batches than announced (a stop, a resume): let the threads still augmenting them finish first
      for (const p of prepared) {
        inputs.augmentRest(p.plan);
        await untilReady(p.plan, 0, p.batch.n, failed);
      }
    }
    const busy = new Set(kept.map((p) => p.plan.buffer));
    const free = Array.from({ length: buffers.count }, (_, b) => b).filter((b) => !busy.has(b));
    return batches.map((batch, i) => {
      if (kept[i]) return kept[i].plan;
      return inputs.open({ buffer: free.shift()!, slots: batch.slots, params: batch.params });
    });
  }

  /** Waits for images another thread claimed; yields to the event loop between waits so a failed worker rejects. */
  async function untilReady(plan: InputPlan, from: number, to: number, failed: () => unknown): Promise<void> {
    while (!inputs.wait(plan, from, to, 5)) {
      await new Promise<void>((done) => setImmediate(done));
      if (failed()) throw failed();
    }
  }

  async function step(model: TrainableModel, optimizer: AdamW, active: readonly tf.Variable[], batch: TrainBatch, hyper: AdamWStepOptions, dropoutKey: (number | string)[], ahead: readonly TrainBatch[] = []): Promise<number> {
    const activeIdx = active.map((v) => model.variables.indexOf(v));
    const tasks = shardTasks(batch, slots.length, activeIdx, dropoutKey);
    let failure: unknown;
    const failed = () => failure;
    const [current, ...upcoming] = (await plansFor([batch, ...ahead], failed)) as [InputPlan, ...InputPlan[]];
    prepared = ahead.map((b, i) => ({ batch: b, plan: upcoming[i]! }));
    writeWeights(model, weights);
    for (let k = 0; k < finished.length; k++) Atomics.store(finished, k, 0);
    const remote = Promise.all(tasks.slice(1).map((task, k) => workers[k]!.run({ task, current, ahead: upcoming })));
    remote.catch((error: unknown) => {
      failure = error;
    });
    const mine = tasks[0]!;
    inputs.augmentRest(current);
    await untilReady(current, mine.from, mine.to, failed);
    const losses = [shardGradients(model, mine, inputs.view(current, mine.from, mine.to), pool.size, slots[0]!)];
    // rather than wait for the workers, augment the batches ahead until they are done ('message' cannot fire meanwhile)
    const workersDone = () => tasks.slice(1).every((_, k) => Atomics.load(finished, k) === 1);
    while (!workersDone() && upcoming.some((plan) => inputs.augmentOne(plan)));
    losses.push(...(await remote));
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

/** The batch split into contiguous shards, one per thread (this thread's first). */
function shardTasks(batch: TrainBatch, threads: number, active: number[], dropoutKey: (number | string)[]): ShardTask[] {
  let from = 0;
  return shardSizes(batch.n, threads).map((s, k) => {
    const to = from + s;
    // mixup pairs images inside a shard, so no thread needs another's images
    const { y, w } = mixTargets(batch.y.slice(from, to), batch.w.slice(from, to), batch.mixLambda);
    const task = { from, to, y, w, share: s / batch.n, mixLambda: batch.mixLambda, active, dropoutKey: [...dropoutKey, 'shard', k] };
    from = to;
    return task;
  });
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
