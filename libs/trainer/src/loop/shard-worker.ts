import { parentPort, workerData } from 'node:worker_threads';
import { useWasmBackend } from '@leakproof/wasm-training';
import type { TrainConfig } from '../config.js';
import type { Normalisation } from '../data/augment.js';
import { createModel, type TrainableModel } from '../model/build-model.js';
import { readWeights, shardGradients, type ShardTask } from './shard-step.js';
import { SharedInputs, type InputPlan, type SharedInputBuffers } from './shared-inputs.js';

/** What the trainer hands a shard worker once: the net to build and the shared buffers it reads and writes. */
export interface ShardWorkerData {
  config: TrainConfig;
  /** decoded Uint8 images (ImagePool.cache) */
  cache: SharedArrayBuffer;
  size: number;
  norm: Normalisation;
  /** all weights, flat, written by the trainer before each step */
  weights: SharedArrayBuffer;
  /** this worker's share-scaled gradients and BN statistics, flat */
  grads: SharedArrayBuffer;
  inputs: SharedInputBuffers;
  /** Int32 per worker, set to 1 when its gradients are written; `index` is this worker's entry */
  finished: SharedArrayBuffer;
  index: number;
}

/** A step for a worker: its shard of the running batch, and the batches after it to help augment afterwards. */
export interface WorkerTask {
  task: ShardTask;
  current: InputPlan;
  ahead: InputPlan[];
}

export type ShardReply = { type: 'ready' } | { type: 'done'; loss: number } | { type: 'error'; message: string };

// One wasm backend per thread: tfjs disables the threaded wasm build under Node, so a second core is used by a
// second single-threaded backend that trains its shard of every batch.
const port = parentPort;
if (!port) throw new Error('shard-worker must run in a worker thread');
const data = workerData as ShardWorkerData;
const weights = new Float32Array(data.weights);
const grads = new Float32Array(data.grads);
const finished = new Int32Array(data.finished);
const inputs = new SharedInputs(data.inputs, data.cache, data.size, data.norm);

let trainable: TrainableModel | undefined;
try {
  await useWasmBackend();
  trainable = await createModel(data.config);
  port.postMessage({ type: 'ready' } satisfies ShardReply);
} catch (error) {
  port.postMessage({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ShardReply);
}

port.on('message', ({ task, current, ahead }: WorkerTask) => {
  try {
    if (!trainable) throw new Error('the shard worker failed to build its model');
    readWeights(trainable, weights);
    inputs.augmentRest(current);
    // at most one image per other thread is still in its hands; the timeout keeps terminate() prompt
    while (!inputs.wait(current, task.from, task.to, 100));
    const loss = shardGradients(trainable, task, inputs.view(current, task.from, task.to), data.size, grads);
    // the main thread polls this flag while it augments the next batch (it cannot see messages until it awaits)
    Atomics.store(finished, data.index, 1);
    port.postMessage({ type: 'done', loss } satisfies ShardReply);
    // the main thread's serial part (weight update) runs now: use the time to augment the batches ahead
    for (const plan of ahead) inputs.augmentRest(plan);
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ShardReply);
  }
});
