import * as tf from '@tensorflow/tfjs';

type Conv2DConfig = Parameters<typeof tf.layers.conv2d>[0];
type BaseLayer = ReturnType<typeof tf.layers.conv2d>;
interface ConvInternals {
  bias: tf.LayerVariable | null;
  kernel: tf.LayerVariable;
  activation: { getClassName(): string };
  strides: [number, number];
  padding: 'valid' | 'same';
  dataFormat: string;
  dilationRate: [number, number];
}

// tfjs-layers does not export its Conv2D class, only the factory
const Conv2DBase = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (config: Conv2DConfig) => BaseLayer;

/**
 * tfjs-layers Conv2D that, without bias and activation (a conv feeding BatchNorm), runs the plain Conv2D op.
 * The stock layer always takes tf.fused.conv2d, whose custom gradient computes the input gradient eagerly —
 * also for the first layer, where nothing needs it (a full-size col2im per step) — while Conv2D's registered
 * gradient is lazy and the tape skips it. Same maths, weights and serialised class name as the stock layer.
 */
export class PlainConv2D extends Conv2DBase {
  static className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as ConvInternals;
    const plain = self.bias == null && self.activation.getClassName() === 'linear' && self.dataFormat === 'channelsLast';
    if (!plain) return super.call(inputs, kwargs);
    const input = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    return tf.conv2d(input, self.kernel.read() as tf.Tensor4D, self.strides, self.padding, 'NHWC', self.dilationRate);
  }
}

export function plainConv2d(config: Conv2DConfig): PlainConv2D {
  return new PlainConv2D(config);
}
