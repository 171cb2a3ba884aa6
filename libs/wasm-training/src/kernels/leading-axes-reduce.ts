import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, allocF32, heapF32, rememberStockKernel, sizeOf } from './wasm-heap.js';

/**
 * Bias and batch-norm gradients reduce NHWC tensors over N,H,W. wasm's Sum/Mean first
 * transpose the reduced axes innermost (a full copy through a slow generic Transpose);
 * summing rows of the [N·H·W, C] view directly is several times faster.
 */
/** Column sums of a row-major [rows, cols] matrix; four rows per pass halve the loop overhead. */
export function columnSums(src: Float32Array, rows: number, cols: number): Float64Array {
  const acc = new Float64Array(cols);
  const full = rows - (rows % 4);
  const c2 = 2 * cols;
  const c3 = 3 * cols;
  let base = 0;
  for (let r = 0; r < full; r += 4, base += 4 * cols)
    for (let c = 0; c < cols; c++) {
      const i = base + c;
      acc[c] = (acc[c] as number) + (src[i] as number) + (src[i + cols] as number) + (src[i + c2] as number) + (src[i + c3] as number);
    }
  for (let r = full; r < rows; r++, base += cols) for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) + (src[base + c] as number);
  return acc;
}

function reduceLeading(kernelName: 'Sum' | 'Mean'): tf.KernelConfig {
  const stock = rememberStockKernel(kernelName);
  if (!stock) throw new Error(`wasm kernel '${kernelName}' is not registered`);
  const kernelFunc: tf.KernelFunc = (args) => {
    const x = args.inputs['x'] as TensorInfo;
    const backend = args.backend as BackendWasm;
    const attrs = args.attrs ?? {};
    const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape).sort((a, b) => a - b);
    const k = axes.length;
    const leading = k > 0 && k < x.shape.length && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return stock.kernelFunc(args);
    const rows = sizeOf(x.shape.slice(0, k));
    const rest = x.shape.slice(k);
    const cols = sizeOf(rest);
    const acc = columnSums(heapF32(backend, x), rows, cols);
    if (kernelName === 'Mean') for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) / rows;
    const outShape = attrs['keepDims'] ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest;
    const out = allocF32(backend, outShape);
    heapF32(backend, out).set(acc);
    return out;
  };
  return { kernelName, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc };
}

export function reductionKernels(): tf.KernelConfig[] {
  return [reduceLeading('Sum'), reduceLeading('Mean')];
}
