import * as tf from '@tensorflow/tfjs';
import {
  type BackendWasm,
  type TensorInfo,
  allocF32,
  disposeInfos,
  explicitPad,
  heapF32,
  pair,
  runStock,
  transposeInfo,
} from './wasm-heap.js';

type Shape4 = [number, number, number, number];
type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function convInfoOf(xShape: Shape4, filterShape: Shape4, attrs: tf.NamedAttrMap, dilations: [number, number]) {
  const dataFormat = (attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC';
  if (dataFormat !== 'NHWC') throw new Error(`leakproof wasm conv gradients support NHWC only, got ${dataFormat}`);
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    pair(attrs['strides'] as number | number[]),
    dilations,
    attrs['pad'] as PadAttr,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

/**
 * dW[i,j,ci,co] = Σ_{n,p,q} x[n, p·s + i·d − pad, …, ci] · dy[n,p,q,co] is itself a forward
 * convolution once batch and channels swap places: input x as [Cin,H,W,N], filter dy as
 * [Ho,Wo,N,Cout], stride = original dilation, dilation = original stride. It then runs in
 * XNNPACK's optimised conv instead of a scalar loop.
 */
export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): TensorInfo {
  const { backend, attrs } = args;
  const x = args.inputs['x'] as TensorInfo;
  const dy = args.inputs['dy'] as TensorInfo;
  const filterShape = attrs['filterShape'] as Shape4;
  const dilations = pair(attrs['dilations'] as number | number[] | undefined);
  const info = convInfoOf(x.shape as Shape4, filterShape, attrs, dilations);
  const [kh, kw, cin, cout] = filterShape;
  const { top, bottom, left, right } = info.padInfo;

  const xT = transposeInfo(backend, x, [3, 1, 2, 0]);
  const dyT = transposeInfo(backend, dy, [1, 2, 0, 3]);
  const corr = runStock('Conv2D', backend, { x: xT, filter: dyT }, {
    strides: [info.dilationHeight, info.dilationWidth],
    dilations: [info.strideHeight, info.strideWidth],
    pad: explicitPad(top, bottom, left, right),
    dataFormat: 'NHWC',
  });
  disposeInfos(backend, xT, dyT);
  let cropped = corr;
  if (corr.shape[1] !== kh || corr.shape[2] !== kw) {
    cropped = runStock('Slice', backend, { x: corr }, { begin: [0, 0, 0, 0], size: [cin, kh, kw, cout] });
    disposeInfos(backend, corr);
  }
  const dw = transposeInfo(backend, cropped, [1, 2, 0, 3]);
  disposeInfos(backend, cropped);
  return dw;
}

/** W[kh,kw,ci,co] → W'[kh,kw,co,ci], flipped in both spatial axes. */
function flipTransposeFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [kh, kw, ci, co] = filter.shape as Shape4;
  const out = allocF32(backend, [kh, kw, co, ci]);
  const src = heapF32(backend, filter);
  const dst = heapF32(backend, out);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++) {
      const srcBase = ((kh - 1 - i) * kw + (kw - 1 - j)) * ci * co;
      const dstBase = (i * kw + j) * co * ci;
      for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) dst[dstBase + o * ci + c] = src[srcBase + c * co + o] as number;
    }
  return out;
}

/**
 * Scatters dy into a zero buffer with (stride − 1) zeros between samples and the given
 * (possibly negative = cropping) pads, so a stride-1 'valid' conv yields dx.
 */
export function zeroInsertPad(
  backend: BackendWasm,
  dy: TensorInfo,
  strides: [number, number],
  pads: { top: number; bottom: number; left: number; right: number },
): TensorInfo {
  const [n, ho, wo, c] = dy.shape as Shape4;
  const hp = (ho - 1) * strides[0] + 1 + pads.top + pads.bottom;
  const wp = (wo - 1) * strides[1] + 1 + pads.left + pads.right;
  const out = allocF32(backend, [n, hp, wp, c]);
  const dst = heapF32(backend, out);
  dst.fill(0);
  const src = heapF32(backend, dy);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < ho; p++) {
      const row = p * strides[0] + pads.top;
      if (row < 0 || row >= hp) continue;
      for (let q = 0; q < wo; q++) {
        const col = q * strides[1] + pads.left;
        if (col < 0 || col >= wp) continue;
        const s = ((b * ho + p) * wo + q) * c;
        dst.set(src.subarray(s, s + c), ((b * hp + row) * wp + col) * c);
      }
    }
  return out;
}

/** dx as a stride-1 conv of the zero-inserted, padded dy with the flipped, transposed filter. */
export function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm; attrs: tf.NamedAttrMap }): TensorInfo {
  const { backend, attrs } = args;
  const dy = args.inputs['dy'] as TensorInfo;
  const filter = args.inputs['filter'] as TensorInfo;
  const inputShape = attrs['inputShape'] as Shape4;
  const info = convInfoOf(inputShape, filter.shape as Shape4, attrs, [1, 1]);
  const [kh, kw] = filter.shape as Shape4;
  const [, h, w] = inputShape;
  const [sh, sw] = [info.strideHeight, info.strideWidth];
  const [, ho, wo] = dy.shape as Shape4;
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  const bottom = h - ((ho - 1) * sh + 1) - top + kh - 1;
  const right = w - ((wo - 1) * sw + 1) - left + kw - 1;
  const flipped = flipTransposeFilter(backend, filter);
  const direct = sh === 1 && sw === 1 && top >= 0 && left >= 0 && bottom >= 0 && right >= 0;
  let dx: TensorInfo;
  if (direct) {
    dx = runStock('Conv2D', backend, { x: dy, filter: flipped }, { strides: [1, 1], dilations: [1, 1], pad: explicitPad(top, bottom, left, right), dataFormat: 'NHWC' });
  } else {
    const padded = zeroInsertPad(backend, dy, [sh, sw], { top, bottom, left, right });
    dx = runStock('Conv2D', backend, { x: padded, filter: flipped }, { strides: [1, 1], dilations: [1, 1], pad: 'valid', dataFormat: 'NHWC' });
    disposeInfos(backend, padded);
  }
  disposeInfos(backend, flipped);
  return dx;
}

export function convBackpropKernels(): tf.KernelConfig[] {
  return [
    { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc },
    { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc },
  ];
}
