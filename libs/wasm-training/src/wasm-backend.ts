import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './kernels/register-kernels.js';

/** Directory holding the .wasm binaries, with a trailing separator as setWasmPaths expects. */
export function wasmBinaryDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

let wasmReady: Promise<void> | undefined;

/**
 * Loads the wasm backend under Node with the leakproof training kernels and makes it the
 * active backend. Safe to call repeatedly.
 */
export async function useWasmBackend(): Promise<void> {
  wasmReady ??= (async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmBinaryDir());
    registerWasmTrainingKernels();
  })();
  await wasmReady;
  if (tf.getBackend() !== 'wasm') {
    const ok = await tf.setBackend('wasm');
    if (!ok) throw new Error('the wasm backend failed to initialise (see the console for the underlying error)');
  }
  await tf.ready();
}
