import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { arraysOf, maxRelDiff, onBackend, randInt, randomArray, rng } from '../test-utils.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  n: number; h: number; w: number; cin: number; cout: number; kh: number; kw: number;
  stride: [number, number]; dilation: [number, number]; pad: Pad;
}

function randomCase(next: () => number): ConvCase {
  const kh = randInt(next, 1, 4);
  const kw = randInt(next, 1, 3);
  const useDilation = next() < 0.3;
  const stride: [number, number] = useDilation ? [1, 1] : [randInt(next, 1, 4), randInt(next, 1, 3)];
  const dilation: [number, number] = useDilation ? [randInt(next, 1, 2), randInt(next, 2, 3)] : [1, 1];
  const r = next();
  const pad: Pad = r < 0.45 ? 'same' : r < 0.8 ? 'valid' : [[0, 0], [randInt(next, 0, 2), randInt(next, 0, 2)], [randInt(next, 0, 2), randInt(next, 0, 1)], [0, 0]];
  const minH = (kh - 1) * dilation[0] + 1;
  const minW = (kw - 1) * dilation[1] + 1;
  return { n: randInt(next, 1, 3), h: minH + randInt(next, 0, 8), w: minW + randInt(next, 0, 8), cin: randInt(next, 1, 5), cout: randInt(next, 1, 5), kh, kw, stride, dilation, pad };
}

/** tfjs-core refuses conv gradients with dilation > 1, so dilated filter gradients are checked against this loop. */
function naiveFilterGrad(c: ConvCase, xs: Float32Array, dys: Float32Array, ho: number, wo: number, top: number, left: number): Float32Array {
  const out = new Float32Array(c.kh * c.kw * c.cin * c.cout);
  for (let b = 0; b < c.n; b++) for (let p = 0; p < ho; p++) for (let q = 0; q < wo; q++)
    for (let i = 0; i < c.kh; i++) for (let j = 0; j < c.kw; j++) {
      const ih = p * c.stride[0] + i * c.dilation[0] - top;
      const iw = q * c.stride[1] + j * c.dilation[1] - left;
      if (ih < 0 || iw < 0 || ih >= c.h || iw >= c.w) continue;
      for (let ci = 0; ci < c.cin; ci++) for (let co = 0; co < c.cout; co++)
        out[((i * c.kw + j) * c.cin + ci) * c.cout + co]! += xs[((b * c.h + ih) * c.w + iw) * c.cin + ci]! * dys[((b * ho + p) * wo + q) * c.cout + co]!;
    }
  return out;
}

function dilatedFilterGrad(c: ConvCase, xs: Float32Array, seed: number): { wasm: Float32Array; naive: Float32Array } {
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.cin], [c.kh, c.kw, c.cin, c.cout], c.stride, c.dilation, c.pad);
  const dys = randomArray(rng(seed), c.n * info.outHeight * info.outWidth * c.cout);
  const x = tf.tensor4d(xs, [c.n, c.h, c.w, c.cin]);
  const dy = tf.tensor4d(dys, [c.n, info.outHeight, info.outWidth, c.cout]);
  const df = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilation, filterShape: [c.kh, c.kw, c.cin, c.cout] }) as tf.Tensor;
  const wasm = arraysOf([df])[0]!;
  tf.dispose([x, dy]);
  return { wasm, naive: naiveFilterGrad(c, xs, dys, info.outHeight, info.outWidth, info.padInfo.top, info.padInfo.left) };
}

function convForward(c: ConvCase, xs: Float32Array, fs: Float32Array): Float32Array {
  return arraysOf([tf.conv2d(tf.tensor4d(xs, [c.n, c.h, c.w, c.cin]), tf.tensor4d(fs, [c.kh, c.kw, c.cin, c.cout]), c.stride, c.pad, 'NHWC', c.dilation)])[0]!;
}

function convGrads(c: ConvCase, xs: Float32Array, fs: Float32Array, seed: number): Float32Array[] {
  const x = tf.tensor4d(xs, [c.n, c.h, c.w, c.cin]);
  const f = tf.tensor4d(fs, [c.kh, c.kw, c.cin, c.cout]);
  const y = tf.conv2d(x, f, c.stride, c.pad, 'NHWC', c.dilation);
  const dy = tf.tensor(randomArray(rng(seed), y.size), y.shape);
  const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad, 'NHWC', c.dilation))([x, f], dy);
  const out = arraysOf([y, dx as tf.Tensor, df as tf.Tensor]);
  tf.dispose([x, f, dy]);
  return out;
}

describe('Conv2D / Conv2DBackpropFilter / Conv2DBackpropInput on wasm match cpu', () => {
  const next = rng(7);
  const cases = Array.from({ length: 40 }, () => randomCase(next));
  it.each(cases.map((c, i) => [i, c] as const))('case %i %j', async (i, c) => {
    const g = rng(100 + i);
    const xs = randomArray(g, c.n * c.h * c.w * c.cin);
    const fs = randomArray(g, c.kh * c.kw * c.cin * c.cout);
    if (c.dilation[0] > 1 || c.dilation[1] > 1) {
      const cpuY = await onBackend('cpu', () => tf.tidy(() => convForward(c, xs, fs)));
      const wasmY = await onBackend('wasm', () => tf.tidy(() => convForward(c, xs, fs)));
      expect(maxRelDiff(wasmY, cpuY), 'y').toBeLessThan(1e-4);
      const { wasm, naive } = await onBackend('wasm', () => dilatedFilterGrad(c, xs, i));
      expect(maxRelDiff(wasm, naive), 'dfilter').toBeLessThan(1e-4);
      return;
    }
    const cpu = await onBackend('cpu', () => convGrads(c, xs, fs, i));
    const wasm = await onBackend('wasm', () => convGrads(c, xs, fs, i));
    const names = ['y', 'dx', 'dfilter'];
    for (let k = 0; k < 3; k++) expect(maxRelDiff(wasm[k]!, cpu[k]!), names[k]).toBeLessThan(1e-4);
  });

  it("fixes 'same' padding with stride > kernel (tfjs#5907)", async () => {
    const xs = randomArray(rng(3), 1 * 9 * 9 * 2);
    const fs = randomArray(rng(4), 2 * 2 * 2 * 3);
    const run = () => {
      const y = tf.conv2d(tf.tensor4d(xs, [1, 9, 9, 2]), tf.tensor4d(fs, [2, 2, 2, 3]), 4, 'same');
      return arraysOf([y])[0]!;
    };
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    expect(maxRelDiff(wasm, cpu)).toBeLessThan(1e-5);
  });

  it('fused conv2d with bias + relu: output and all gradients', async () => {
    const xs = randomArray(rng(5), 2 * 7 * 7 * 3);
    const fs = randomArray(rng(6), 3 * 3 * 3 * 4);
    const bs = randomArray(rng(8), 4);
    const run = () => {
      const x = tf.tensor4d(xs, [2, 7, 7, 3]);
      const f = tf.tensor4d(fs, [3, 3, 3, 4]);
      const b = tf.tensor1d(bs);
      const fn = (a: tf.Tensor, k: tf.Tensor, bias: tf.Tensor) =>
        tf.sum(tf.mul(tf.fused.conv2d({ x: a as tf.Tensor4D, filter: k as tf.Tensor4D, strides: 2, pad: 'same', bias, activation: 'relu' }), tf.linspace(-1, 1, 64).reshape([1, 4, 4, 4])));
      const grads = tf.grads(fn)([x, f, b]);
      const out = arraysOf(grads);
      tf.dispose([x, f, b]);
      return out;
    };
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    for (let k = 0; k < 3; k++) expect(maxRelDiff(wasm[k]!, cpu[k]!)).toBeLessThan(1e-4);
  });
});
