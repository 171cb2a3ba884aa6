import * as tf from '@tensorflow/tfjs';
import { fusedAdamWUpdate } from '@leakproof/wasm-training';

export interface AdamWStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** per-variable LR multiplier (discriminative learning rates); missing = 1 */
  lrScale?: ReadonlyMap<string, number>;
}

export interface AdamWState {
  step: number;
  /** first and second moments in the trainable variables' order (names differ between model instances) */
  moments: ({ shape: number[]; m: Float32Array; v: Float32Array } | null)[];
}

/**
 * Adam with decoupled weight decay, written out instead of using tf.train.adam because one-cycle changes β1
 * every step, per-group LRs must scale the update (Adam is invariant to scaling the gradient), and the
 * moments must be saved and restored exactly for resume.
 */
export class AdamW {
  private step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  get stepCount(): number {
    return this.step;
  }

  private slots(variable: tf.Variable): [tf.Variable, tf.Variable] {
    let m = this.m.get(variable.name);
    let v = this.v.get(variable.name);
    if (!m || !v) {
      m = tf.variable(tf.zerosLike(variable), false);
      v = tf.variable(tf.zerosLike(variable), false);
      this.m.set(variable.name, m);
      this.v.set(variable.name, v);
    }
    return [m, v];
  }

  apply(variables: readonly tf.Variable[], grads: tf.NamedTensorMap, options: AdamWStepOptions): void {
    this.step += 1;
    const { beta1, beta2, eps } = options;
    // fastai-style debiasing with the current β1, which is what makes a moving β1 well behaved
    const debias1 = 1 - beta1 ** this.step;
    const debias2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const variable of variables) {
        const grad = grads[variable.name];
        if (!grad) continue;
        const [m, v] = this.slots(variable);
        const lr = options.lr * (options.lrScale?.get(variable.name) ?? 1);
        // wasm: one pass over the heap per variable instead of ~14 kernels (same arithmetic, float64 in between)
        if (fusedAdamWUpdate(variable, m, v, grad, { lr, beta1, beta2, eps, debias1, debias2, decay: decays(variable.name) ? options.weightDecay : 0 })) continue;
        const nextM = m.mul(beta1).add(grad.mul(1 - beta1));
        const nextV = v.mul(beta2).add(grad.square().mul(1 - beta2));
        m.assign(nextM);
        v.assign(nextV);
        const update = nextM.div(debias1).div(nextV.div(debias2).sqrt().add(eps));
        const decayed = decays(variable.name) ? variable.mul(1 - lr * options.weightDecay) : variable;
        variable.assign(decayed.sub(update.mul(lr)));
      }
    });
  }

  async getState(variables: readonly tf.Variable[]): Promise<AdamWState> {
    const moments: AdamWState['moments'] = [];
    for (const variable of variables) {
      const m = this.m.get(variable.name);
      const v = this.v.get(variable.name);
      if (!m || !v) {
        moments.push(null);
        continue;
      }
      moments.push({ shape: variable.shape, m: (await m.data()) as Float32Array, v: (await v.data()) as Float32Array });
    }
    return { step: this.step, moments };
  }

  setState(state: AdamWState, variables: readonly tf.Variable[]): void {
    if (state.moments.length !== variables.length) {
      throw new Error(`optimizer state has ${state.moments.length} variables but the model has ${variables.length}; the checkpoint belongs to another model`);
    }
    this.dispose();
    this.step = state.step;
    state.moments.forEach((moment, i) => {
      const variable = variables[i]!;
      if (!moment) return;
      if (moment.shape.join('x') !== variable.shape.join('x')) {
        throw new Error(`optimizer state for ${variable.name} has shape [${moment.shape}] but the variable is [${variable.shape}]`);
      }
      this.m.set(variable.name, tf.variable(tf.tensor(moment.m, moment.shape), false));
      this.v.set(variable.name, tf.variable(tf.tensor(moment.v, moment.shape), false));
    });
  }

  dispose(): void {
    for (const variable of [...this.m.values(), ...this.v.values()]) variable.dispose();
    this.m.clear();
    this.v.clear();
  }
}

/** Biases and BatchNorm parameters are not decayed (standard practice; decaying γ/β only hurts). */
function decays(name: string): boolean {
  return !/(bias|gamma|beta)(_\d+)?$/.test(name);
}
