import * as tf from '@tensorflow/tfjs';

type BatchNormConfig = Parameters<typeof tf.layers.batchNormalization>[0];
type BaseLayer = ReturnType<typeof tf.layers.batchNormalization>;
type Kwargs = Record<string, unknown>;
interface BatchNormInternals {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

// tfjs-layers does not export its BatchNormalization class, only the factory
const BatchNormalizationBase = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (config?: BatchNormConfig) => BaseLayer;

/**
 * Batch normalisation over all axes but the channels, in training mode, as one custom-gradient op:
 * forward = moments + one FusedBatchNorm pass; backward = the closed form
 *   dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)),  dγ = Σ dy · x̂,  dβ = Σ dy
 * (~10 kernels) instead of backpropagating through FusedBatchNorm *and* the moments' Mean/Sub/Square ops
 * (~25 kernels, two full-size `ones` tensors and their passes per layer).
 */
export function batchNormTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const axes = x.shape.map((_, i) => i).slice(0, -1);
  const count = x.size / (x.shape[x.shape.length - 1] as number);
  const stats: { mean?: tf.Tensor; variance?: tf.Tensor } = {};
  const op = tf.customGrad(((xIn: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = tf.moments(xIn, axes);
    stats.mean = tf.keep(mean);
    stats.variance = tf.keep(variance);
    const y = tf.batchNorm(xIn, mean, variance, b, g, epsilon);
    save([xIn, mean, variance, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const d = dy as tf.Tensor;
        const [xs, m, v, gs] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const invStd = tf.rsqrt(tf.add(v, epsilon));
        const xhat = tf.mul(tf.sub(xs, m), invStd);
        const dBeta = tf.sum(d, axes);
        const dGamma = tf.sum(tf.mul(d, xhat), axes);
        const centred = tf.sub(d, tf.add(tf.div(dBeta, count), tf.mul(xhat, tf.div(dGamma, count))));
        return [tf.mul(centred, tf.mul(gs, invStd)), dGamma, dBeta];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const y = op(x, gamma, beta);
  return { y, mean: stats.mean!, variance: stats.variance! };
}

/**
 * tfjs-layers BatchNormalization whose training-mode forward/backward is `batchNormTraining`; inference, the
 * config, the weights and the serialised class name are the stock layer's, so saved models load anywhere.
 */
export class TrainingBatchNormalization extends BatchNormalizationBase {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as BatchNormInternals;
    const input = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const lastAxis = self.axis === -1 || self.axis === input.rank - 1;
    if (!kwargs['training'] || !lastAxis || !self.center || !self.scale) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(input, self.gamma.read(), self.beta.read(), self.epsilon);
      const decay = 1 - self.momentum;
      for (const [moving, value] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const old = moving.read();
          moving.write(tf.sub(old, tf.mul(tf.sub(old, value), decay)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  }
}

export function trainingBatchNormalization(config: BatchNormConfig): TrainingBatchNormalization {
  return new TrainingBatchNormalization(config);
}
