import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { MODEL_FAMILY, ModelOptionsSchema, buildModel } from '../models.js';

export const ModelSpecSchema = z.union([
  z.object({ kind: z.literal('factory'), name: z.enum(MODEL_FAMILY), options: ModelOptionsSchema }),
  /** `JSON.stringify(model.toJSON(null, false))` of a tfjs-layers model (architecture only). */
  z.object({ kind: z.literal('json'), json: z.string() }),
]);
export type ModelSpec = z.input<typeof ModelSpecSchema>;

export const LossSpecSchema = z.object({
  loss: z.literal('binaryCrossentropy').default('binaryCrossentropy'),
  /** Weight of class 0 and class 1 samples (Keras class_weight semantics). */
  classWeights: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).optional(),
});
export type LossSpec = z.input<typeof LossSpecSchema>;

export interface WeightSpec {
  name: string;
  shape: number[];
  trainable: boolean;
}

export interface GradientResult {
  /** Weighted mean loss over the shard. */
  loss: number;
  /** One gradient per trainable weight, in weightSpecs order (trainable ones only). */
  grads: Float32Array[];
  /** Values of non-trainable weights after the step (batch-norm moving statistics). */
  nonTrainable: Float32Array[];
}

export async function buildFromSpec(spec: ModelSpec): Promise<tf.LayersModel> {
  const s = ModelSpecSchema.parse(spec);
  if (s.kind === 'factory') return buildModel(s.name, s.options);
  return tf.models.modelFromJSON(JSON.parse(s.json) as tf.io.ModelJSON);
}

/** Weight order of model.getWeights(): trainable first, then non-trainable (tfjs-layers convention). */
export function weightSpecsOf(model: tf.LayersModel): WeightSpec[] {
  return [
    ...model.trainableWeights.map((w) => ({ name: w.name, shape: [...w.shape] as number[], trainable: true })),
    ...model.nonTrainableWeights.map((w) => ({ name: w.name, shape: [...w.shape] as number[], trainable: false })),
  ];
}

/** Computes loss and gradients of one shard with a model whose weights are set from `weights`. */
export class GradientComputer {
  private readonly lossSpec: z.infer<typeof LossSpecSchema>;
  readonly weightSpecs: WeightSpec[];

  constructor(
    private readonly model: tf.LayersModel,
    lossSpec: LossSpec = {},
  ) {
    this.lossSpec = LossSpecSchema.parse(lossSpec);
    this.weightSpecs = weightSpecsOf(model);
  }

  static async create(spec: ModelSpec, lossSpec: LossSpec = {}): Promise<GradientComputer> {
    return new GradientComputer(await buildFromSpec(spec), lossSpec);
  }

  currentWeights(): Float32Array[] {
    return [...this.model.trainableWeights, ...this.model.nonTrainableWeights].map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
  }

  setWeights(weights: Float32Array[]): void {
    const vars = [...this.model.trainableWeights, ...this.model.nonTrainableWeights];
    if (weights.length !== vars.length) throw new Error(`expected ${vars.length} weight arrays, got ${weights.length}`);
    tf.tidy(() => vars.forEach((v, i) => v.write(tf.tensor(weights[i] as Float32Array, v.shape as number[]))));
  }

  compute(x: Float32Array, y: Float32Array, n: number, sampleWeights?: Float32Array): GradientResult {
    const inputShape = this.model.inputs[0]?.shape.slice(1) as number[];
    const perSample = this.sampleWeightsOf(y, n, sampleWeights);
    return tf.tidy(() => {
      const xs = tf.tensor(x, [n, ...inputShape]);
      const ys = tf.tensor2d(y, [n, 1]);
      const sw = perSample ? tf.tensor1d(perSample) : undefined;
      const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(() => {
        const p = this.model.apply(xs, { training: true }) as tf.Tensor;
        const perExample = tf.metrics.binaryCrossentropy(ys, p);
        return (sw ? tf.div(tf.sum(tf.mul(perExample, sw)), n) : tf.mean(perExample)) as tf.Scalar;
      }, vars);
      return {
        loss: value.dataSync()[0] as number,
        grads: vars.map((v) => Float32Array.from((grads[v.name] as tf.Tensor).dataSync() as Float32Array)),
        nonTrainable: this.model.nonTrainableWeights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array)),
      };
    });
  }

  private sampleWeightsOf(y: Float32Array, n: number, sampleWeights?: Float32Array): Float32Array | undefined {
    const cw = this.lossSpec.classWeights;
    if (!cw && !sampleWeights) return undefined;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (sampleWeights ? (sampleWeights[i] as number) : 1) * (cw ? cw[(y[i] as number) >= 0.5 ? 1 : 0] : 1);
    return out;
  }

  dispose(): void {
    this.model.dispose();
  }
}
