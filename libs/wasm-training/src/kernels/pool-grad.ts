import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, type TensorInfo, allocF32, heapF32 } from './wasm-heap.js';

/**
 * wasm 4.22's MaxPoolGrad starts its running maximum at the smallest positive float, so a
 * window whose values are all ≤ 0 sends its gradient to the wrong cell. This one starts at
 * −∞ and breaks ties on the first cell in row-major window order, exactly like the cpu backend.
 */
export function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): TensorInfo {
  const { backend, attrs } = args;
  const dy = args.inputs['dy'] as TensorInfo;
  const input = args.inputs['input'] as TensorInfo;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs['filterSize'] as [number, number] | number,
    attrs['strides'] as [number, number] | number,
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const kh = info.effectiveFilterHeight;
  const kw = info.effectiveFilterWidth;
  const dh = info.dilationHeight;
  const dw = info.dilationWidth;
  const dx = allocF32(backend, input.shape);
  const out = heapF32(backend, dx);
  out.fill(0);
  const x = heapF32(backend, input);
  const g = heapF32(backend, dy);
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  for (let b = 0; b < batchSize; b++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let i = 0; i < kh; i += dh) {
          const ih = oh * strideHeight - info.padInfo.top + i;
          if (ih < 0 || ih >= inHeight) continue;
          for (let j = 0; j < kw; j += dw) {
            const iw = ow * strideWidth - info.padInfo.left + j;
            if (iw < 0 || iw >= inWidth) continue;
            const base = ((b * inHeight + ih) * inWidth + iw) * c;
            for (let ch = 0; ch < c; ch++) {
              const v = x[base + ch] as number;
              if (v > (best[ch] as number)) {
                best[ch] = v;
                where[ch] = base + ch;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * c;
        for (let ch = 0; ch < c; ch++) {
          const at = where[ch] as number;
          if (at >= 0) out[at] = (out[at] as number) + (g[dyBase + ch] as number);
        }
      }
  return dx;
}

export function poolGradKernels(): tf.KernelConfig[] {
  return [{ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad as unknown as tf.KernelFunc }];
}
