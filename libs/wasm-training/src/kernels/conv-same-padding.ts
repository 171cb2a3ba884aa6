import * as tf from '@tensorflow/tfjs';
import { explicitPad, pair, rememberStockKernel } from './wasm-heap.js';

/**
 * wasm 4.22 hands 'same' padding to XNNPACK's TensorFlow-SAME mode, which is wrong when
 * stride > kernel size (tfjs#5907, #8405). Computing the pads ourselves and passing them
 * explicitly avoids that path.
 */
function sameAsExplicit(kernelName: string, depthwise: boolean): tf.KernelConfig {
  const stock = rememberStockKernel(kernelName);
  if (!stock) throw new Error(`wasm kernel '${kernelName}' is not registered`);
  const kernelFunc: tf.KernelFunc = (args) => {
    const attrs = args.attrs ?? {};
    if (attrs['pad'] !== 'same') return stock.kernelFunc(args);
    const x = args.inputs['x'];
    const filter = args.inputs['filter'];
    if (!x || !filter) return stock.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      pair(attrs['strides'] as number | number[]),
      pair(attrs['dilations'] as number | number[] | undefined),
      'same',
      attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
      depthwise,
    );
    const { top, bottom, left, right } = info.padInfo;
    return stock.kernelFunc({ ...args, attrs: { ...attrs, pad: explicitPad(top, bottom, left, right) } });
  };
  return { kernelName, backendName: 'wasm', kernelFunc, setupFunc: stock.setupFunc, disposeFunc: stock.disposeFunc };
}

export function samePaddingFixKernels(): tf.KernelConfig[] {
  return [
    sameAsExplicit('Conv2D', false),
    sameAsExplicit('FusedConv2D', false),
    sameAsExplicit('DepthwiseConv2dNative', true),
    sameAsExplicit('FusedDepthwiseConv2D', true),
  ];
}
