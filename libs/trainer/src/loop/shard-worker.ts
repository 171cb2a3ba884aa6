import { parentPort, workerData } from 'node:worker_threads';
import { useWasmBackend } from '@leakproof/wasm-training';
import type { TrainConfig } from '../config.js';
import type { Normalisation } from '../data/augment.js';
import { createModel, type TrainableModel } from '../model/build-model.js';
import { augmentShard, readWeights, shardGradients, type ShardTask } from './shard-step.js';

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
}

export type ShardReply = { type: 'ready' } | { type: 'done'; loss: number } | { type: 'error'; message: string };

// One wasm backend per thread: tfjs disables the threaded wasm build under Node, so a second core is used by a
// second single-threaded backend that trains its shard of every batch.
const port = parentPort;
if (!port) throw new Error('shard-worker must run in a worker thread');
const data = workerData as ShardWorkerData;
const cache = new Uint8Array(data.cache);
const weights = new Float32Array(data.weights);
const grads = new Float32Array(data.grads);

let trainable: TrainableModel | undefined;
try {
  await useWasmBackend();
  trainable = await createModel(data.config);
  port.postMessage({ type: 'ready' } satisfies ShardReply);
} catch (error) {
  port.postMessage({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ShardReply);
}

port.on('message', (task: ShardTask) => {
  try {
    if (!trainable) throw new Error('the shard worker failed to build its model');
    readWeights(trainable, weights);
    const x = augmentShard(cache, task, data.size, data.norm);
    const loss = shardGradients(trainable, task, x, data.size, grads);
    port.postMessage({ type: 'done', loss } satisfies ShardReply);
  } catch (error) {
    port.postMessage({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ShardReply);
  }
});
