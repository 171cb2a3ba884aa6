import { selectBackend } from '@leakproof/wasm-training';
import type { TrainConfig } from './config.js';
import { usesDataParallel } from './loop/data-parallel-step.js';

export interface BackendInfo {
  name: string;
  /** 'native' (libtensorflow), 'leakproof-wasm' (wasm + this project's training kernels) or 'cpu' */
  kernels: string;
  /** threads one training step uses: one per wasm backend under Node (tfjs#3830), `workers` when data-parallel */
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

/**
 * Threads a training step of `config` uses on `backend`: the data-parallel trainer runs one wasm backend on each of
 * `workers` threads, so a wasm run records 2 on two cores, not the single thread one wasm backend has.
 */
export function trainingThreads(config: TrainConfig, backend: { name: string; threads: number }): number {
  return usesDataParallel(config, backend.name) ? config.workers : backend.threads;
}
