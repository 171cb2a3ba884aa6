import * as tf from '@tensorflow/tfjs';
import { useWasmBackend } from '@leakproof/wasm-training';

export interface BackendInfo {
  name: string;
  threads: number;
  version: string;
}

/**
 * Picks the training backend: wasm with leakproof's training kernels unless the config asks for 'cpu'
 * (tests, exact references). A native TensorFlow binding is not installable here, so 'tensorflow' falls
 * back the same way 'auto' does.
 */
export async function prepareBackend(preference: 'auto' | 'tensorflow' | 'wasm' | 'cpu', workers: number): Promise<BackendInfo> {
  if (preference !== 'cpu') {
    try {
      await useWasmBackend();
      return { name: 'wasm', threads: Math.max(1, workers), version: tf.version_core };
    } catch (error) {
      if (preference === 'wasm') throw error;
    }
  }
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', threads: 1, version: tf.version_core };
}
