import { selectBackend } from '@leakproof/wasm-training';

export interface BackendInfo {
  name: string;
  /** 'native' (libtensorflow), 'leakproof-wasm' (wasm + this project's training kernels) or 'cpu' */
  kernels: string;
  /** threads one training step uses: wasm under Node is single-threaded (tfjs#3830) */
  threads: number;
  version: string;
  /** backends tried first and why they did not load, for the run record */
  skipped: { backend: string; reason: string }[];
}

/**
 * The training backend: tfjs-node-gpu, else tfjs-node, else wasm with leakproof's training kernels, else cpu,
 * starting the chain at the configured preference ('auto' = the top; LEAKPROOF_BACKEND overrides).
 */
export async function prepareBackend(preference: 'auto' | 'tensorflow' | 'wasm' | 'cpu', _workers?: number): Promise<BackendInfo> {
  const info = await selectBackend({ prefer: preference });
  return { name: info.name, kernels: info.kernels, threads: info.threads, version: info.version, skipped: info.skipped };
}
