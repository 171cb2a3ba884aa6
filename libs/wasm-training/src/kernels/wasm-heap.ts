import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type { BackendWasm };
export type TensorInfo = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;

/** Kernel configs of the stock wasm backend, captured before we override any of them. */
const stockKernels = new Map<string, tf.KernelConfig>();

export function rememberStockKernel(kernelName: string): tf.KernelConfig | undefined {
  const existing = stockKernels.get(kernelName);
  if (existing) return existing;
  const config = tf.getKernel(kernelName, 'wasm');
  if (config) stockKernels.set(kernelName, config);
  return config;
}

/** Runs the stock wasm kernel (not our override) directly on TensorInfos, bypassing the engine/tape. */
export function runStock(kernelName: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: object = {}): TensorInfo {
  const config = stockKernels.get(kernelName) ?? tf.getKernel(kernelName, 'wasm');
  if (!config) throw new Error(`wasm kernel '${kernelName}' is not registered`);
  const out = config.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs: attrs as Attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${kernelName}' returned several outputs`);
  return out;
}

export function disposeInfos(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A Float32Array view of a tensor in the wasm heap; re-fetch after any allocation (the heap may grow). */
export function heapF32(backend: BackendWasm, info: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}

/**
 * The floats of a float32 tensor without a copy when the active backend is wasm (a view of its heap, valid until
 * the next allocation there), else its dataSync() copy. For bulk reads that would otherwise allocate per step.
 */
export function float32View(tensor: tf.Tensor): Float32Array {
  if (tf.getBackend() !== 'wasm' || tensor.dtype !== 'float32') return tensor.dataSync() as Float32Array;
  return heapF32(tf.backend() as BackendWasm, tensor);
}

export function allocF32(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function transposeInfo(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return runStock('Transpose', backend, { x }, { perm });
}

export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

export function explicitPad(top: number, bottom: number, left: number, right: number): ExplicitPad {
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

export function pair(v: number | [number, number] | number[] | undefined, fallback = 1): [number, number] {
  if (v === undefined || v === null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? fallback, v[1] ?? fallback];
}
