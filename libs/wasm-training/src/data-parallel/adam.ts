export interface AdamHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled (AdamW) weight decay; 0 = plain Adam. */
  weightDecay: number;
}

/**
 * Adam on plain Float32Arrays, so the data-parallel trainer can change learning rate and β1
 * every step (one-cycle schedules) without reaching into tfjs optimizer internals. Bias
 * correction uses the product of the β's actually applied, which stays exact when they vary.
 */
export class FlatAdam {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private beta1Power = 1;
  private beta2Power = 1;
  iterations = 0;

  constructor(shapes: number[]) {
    this.m = shapes.map((n) => new Float32Array(n));
    this.v = shapes.map((n) => new Float32Array(n));
  }

  apply(weights: Float32Array[], grads: Float32Array[], h: AdamHyper): void {
    this.beta1Power *= h.beta1;
    this.beta2Power *= h.beta2;
    this.iterations += 1;
    const c1 = 1 / (1 - this.beta1Power);
    const c2 = 1 / (1 - this.beta2Power);
    weights.forEach((w, k) => {
      const g = grads[k] as Float32Array;
      const m = this.m[k] as Float32Array;
      const v = this.v[k] as Float32Array;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] as number;
        const mi = h.beta1 * (m[i] as number) + (1 - h.beta1) * gi;
        const vi = h.beta2 * (v[i] as number) + (1 - h.beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        const decayed = (w[i] as number) * (1 - h.learningRate * h.weightDecay);
        w[i] = decayed - (h.learningRate * mi * c1) / (Math.sqrt(vi * c2) + h.epsilon);
      }
    });
  }
}
