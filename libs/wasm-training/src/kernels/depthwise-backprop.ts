import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, allocF32, heapF32, pair } from './wasm-heap.js';

type Shape4 = [number, number, number, number];
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap };

function depthwiseInfo(xShape: Shape4, filterShape: Shape4, attrs: tf.NamedAttrMap) {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    pair(attrs['strides'] as number | number[]),
    pair(attrs['dilations'] as number | number[] | undefined),
    attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    true,
  );
}

/** Depthwise gradients cost as little as the forward pass (no channel contraction), so a plain loop over the heap suffices. */
export function depthwiseBackpropFilter(args: KernelArgs): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs['x'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const filterShape = attrs['filterShape'] as Shape4;
  const info = depthwiseInfo(x.shape as Shape4, filterShape, attrs);
  const [kh, kw, c, m] = filterShape;
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const acc = new Float64Array(kh * kw * c * m);
  const xs = heapF32(backend, x);
  const gs = heapF32(backend, dy);
  const cm = c * m;
  for (let b = 0; b < batchSize; b++)
    for (let p = 0; p < outHeight; p++)
      for (let q = 0; q < outWidth; q++) {
        const gBase = ((b * outHeight + p) * outWidth + q) * cm;
        for (let i = 0; i < kh; i++) {
          const ih = p * strideHeight + i * dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let j = 0; j < kw; j++) {
            const iw = q * strideWidth + j * dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * c;
            const wBase = (i * kw + j) * cm;
            for (let ch = 0; ch < c; ch++) {
              const xv = xs[xBase + ch] as number;
              for (let k = 0; k < m; k++) acc[wBase + ch * m + k] = (acc[wBase + ch * m + k] as number) + xv * (gs[gBase + ch * m + k] as number);
            }
          }
        }
      }
  const dw = allocF32(backend, filterShape);
  heapF32(backend, dw).set(acc);
  return dw;
}

export function depthwiseBackpropInput(args: KernelArgs): TensorInfo {
  const { backend, attrs } = args;
  const dy = args.inputs['dy'] as TensorInfo;
  const filter = args.inputs['filter'] as TensorInfo;
  const inputShape = attrs['inputShape'] as Shape4;
  const info = depthwiseInfo(inputShape, filter.shape as Shape4, attrs);
  const [kh, kw, c, m] = filter.shape as Shape4;
  const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const dx = allocF32(backend, inputShape);
  const out = heapF32(backend, dx);
  out.fill(0);
  const ws = heapF32(backend, filter);
  const gs = heapF32(backend, dy);
  const cm = c * m;
  for (let b = 0; b < batchSize; b++)
    for (let p = 0; p < outHeight; p++)
      for (let q = 0; q < outWidth; q++) {
        const gBase = ((b * outHeight + p) * outWidth + q) * cm;
        for (let i = 0; i < kh; i++) {
          const ih = p * strideHeight + i * dilationHeight - info.padInfo.top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let j = 0; j < kw; j++) {
            const iw = q * strideWidth + j * dilationWidth - info.padInfo.left;
            if (iw < 0 || iw >= inWidth) continue;
            const xBase = ((b * inHeight + ih) * inWidth + iw) * c;
            const wBase = (i * kw + j) * cm;
            for (let ch = 0; ch < c; ch++) {
              let s = 0;
              for (let k = 0; k < m; k++) s += (gs[gBase + ch * m + k] as number) * (ws[wBase + ch * m + k] as number);
              out[xBase + ch] = (out[xBase + ch] as number) + s;
            }
          }
        }
      }
  return dx;
}

export function depthwiseBackpropKernels(): tf.KernelConfig[] {
  return [
    { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseBackpropFilter as unknown as tf.KernelFunc },
    { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc },
  ];
}
