import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormGradConfig } from './batch-norm-grad.js';
import { convBackpropKernels } from './conv2d-backprop.js';
import { samePaddingFixKernels } from './conv-same-padding.js';
import { depthwiseBackpropKernels } from './depthwise-backprop.js';
import { poolGradKernels } from './pool-grad.js';
import { reductionKernels } from './leading-axes-reduce.js';
import { sharedIdentityKernels } from './shared-identity.js';
import { rememberStockKernel } from './wasm-heap.js';

let registered = false;

/** Names of the wasm kernels this library adds or replaces (for reports and tests). */
export const LEAKPROOF_WASM_KERNELS = [
  'Conv2D',
  'FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'Sum',
  'Mean',
  'Identity',
  'Cast',
] as const;

/**
 * Adds the missing training kernels to the wasm backend and replaces the defective ones.
 * Requires '@tensorflow/tfjs-backend-wasm' to be imported first (it registers the stock
 * kernels we wrap). Idempotent. Also swaps FusedBatchNorm's gradient for a Tile-free one
 * (gradients are global, not per backend; the replacement is exact on every backend).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const name of ['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D', 'Transpose', 'Slice', 'Sum', 'Mean', 'PadV2', 'BatchMatMul', 'Identity', 'Cast']) {
    if (!rememberStockKernel(name)) throw new Error(`wasm kernel '${name}' missing: import '@tensorflow/tfjs-backend-wasm' before registering training kernels`);
  }
  const configs = [...samePaddingFixKernels(), ...convBackpropKernels(), ...depthwiseBackpropKernels(), ...poolGradKernels(), ...reductionKernels(), ...sharedIdentityKernels()];
  for (const config of configs) {
    if (tf.getKernel(config.kernelName, 'wasm')) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  tf.registerGradient(fusedBatchNormGradConfig);
  registered = true;
}
