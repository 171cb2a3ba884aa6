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
  if (kh === strideHeight && kw === strideWidth && dh === 1 && dw === 1 && info.padInfo.top === 0 && info.padInfo.left === 0 && kh === 2 && kw === 2) {
    maxPoolGrad2x2(x, g, out, batchSize, inHeight, inWidth, c, outHeight, outWidth);
    return dx;
  }
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

/** Non-overlapping 2×2 windows (the common maxpool 2): four compares per value, no window bookkeeping. */
function maxPoolGrad2x2(x: Float32Array, g: Float32Array, out: Float32Array, n: number, h: number, w: number, c: number, oh: number, ow: number): void {
  const rowStride = w * c;
  for (let b = 0; b < n; b++)
    for (let p = 0; p < oh; p++)
      for (let q = 0; q < ow; q++) {
        const i0 = ((b * h + 2 * p) * w + 2 * q) * c;
        const i1 = i0 + c;
        const i2 = i0 + rowStride;
        const i3 = i2 + c;
        const gBase = ((b * oh + p) * ow + q) * c;
        for (let ch = 0; ch < c; ch++) {
          // strict '>' in row-major order: ties go to the first cell, as on the cpu backend
          let at = i0 + ch;
          let best = x[at] as number;
          let v = x[i1 + ch] as number;
          if (v > best || best !== best) { best = v; at = i1 + ch; }
          v = x[i2 + ch] as number;
          if (v > best) { best = v; at = i2 + ch; }
          v = x[i3 + ch] as number;
          if (v > best) at = i3 + ch;
          out[at] = (out[at] as number) + (g[gBase + ch] as number);
        }
      }
}

export function poolGradKernels(): tf.KernelConfig[] {
  return [{ kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad as unknown as tf.KernelFunc }];
}
