import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { useWasmBackend } from '../wasm-backend.js';
import { GradientComputer } from './gradient-core.js';
import type { FromWorker, ToWorker } from './protocol.js';

// One wasm backend per worker thread: tfjs disables the threaded wasm build under Node, so
// parallelism comes from several single-threaded backends.
const port = parentPort;
if (!port) throw new Error('gradient-worker must run in a worker thread');
let computer: GradientComputer | undefined;

function reply(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

port.on('message', async (msg: ToWorker) => {
  try {
    if (msg.type === 'init') {
      await useWasmBackend();
      computer = await GradientComputer.create(msg.spec, msg.lossSpec);
      reply({ type: 'ready', weightSpecs: computer.weightSpecs, backend: tf.getBackend() });
      return;
    }
    if (!computer) throw new Error('worker received a step before init');
    computer.setWeights(msg.weights);
    const result = computer.compute(msg.x, msg.y, msg.n, msg.sampleWeights);
    reply({ type: 'result', id: msg.id, ...result }, [...result.grads, ...result.nonTrainable].map((a) => a.buffer as ArrayBuffer));
  } catch (err) {
    reply({ type: 'error', id: msg.type === 'step' ? msg.id : undefined, message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
