import * as tf from '@tensorflow/tfjs';

/** Sums t over `axes` and reshapes to `shape` (the per-channel statistic's shape). */
function sumTo(t: tf.Tensor, axes: number[], shape: number[]): tf.Tensor {
  return axes.length > 0 ? tf.reshape(tf.sum(t, axes), shape) : tf.reshape(t, shape);
}

/**
 * tfjs-core's FusedBatchNorm gradient tiles [1,1,1,C] to the full activation shape before
 * multiplying, and wasm's Tile is slow. Broadcasting the per-channel factor is equivalent;
 * per-channel factors are also folded before the full-size products so each full-size
 * tensor is touched once.
 */
export const fusedBatchNormGradConfig: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const g = dy as tf.Tensor;
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const epsilon = attrs['varianceEpsilon'] as number;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const invStd = tf.rsqrt(tf.add(variance, tf.scalar(epsilon)));
    const scaledInvStd = scale == null ? invStd : tf.mul(invStd, scale);
    // shared by the mean, variance, scale and offset gradients: two full-size reductions in all
    const sumDy = sumTo(g, axes, mean.shape);
    const sumDyXc = sumTo(tf.mul(g, tf.sub(x, mean)), axes, mean.shape);
    return {
      x: () => tf.reshape(tf.mul(g, scaledInvStd), x.shape),
      mean: () => tf.reshape(tf.mul(sumDy, tf.neg(scaledInvStd)), mean.shape),
      variance: () => tf.mul(sumDyXc, tf.mul(tf.pow(invStd, tf.scalar(3)), tf.mul(scale == null ? tf.scalar(1) : scale, tf.scalar(-0.5)))),
      scale: () => tf.reshape(tf.mul(sumDyXc, invStd), mean.shape),
      offset: () => tf.clone(sumDy),
    };
  },
};
