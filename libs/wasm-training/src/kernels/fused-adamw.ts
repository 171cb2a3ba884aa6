import * as tf from '@tensorflow/tfjs';
import { type BackendWasm, allocF32, heapF32 } from './wasm-heap.js';

export interface FusedAdamWHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − β1^t and 1 − β2^t of the current step (the caller owns the debiasing rule) */
  debias1: number;
  debias2: number;
  /** decoupled weight decay factor applied to the weight before the update: w·(1 − lr·wd); 0 = none */
  decay: number;
}

/**
 * One AdamW update of `variable` as a single pass over the wasm heap instead of ~14 tfjs ops (each a kernel
 * launch, an allocation and a full pass). The moments are updated in place; the new weights go into a fresh
 * tensor that the variable is assigned to, because the wasm backend caches XNNPACK operators (with the filter
 * packed inside) by the weight's data id: writing a conv filter in place would leave a stale packed copy.
 * Returns false (and does nothing) when the active backend is not wasm.
 */
export function fusedAdamWUpdate(variable: tf.Variable, m: tf.Variable, v: tf.Variable, grad: tf.Tensor, h: FusedAdamWHyper): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const backend = tf.backend() as BackendWasm;
  const outInfo = allocF32(backend, [...variable.shape]);
  // views after the allocation: it may grow (and so move) the heap
  const w = heapF32(backend, variable);
  const mm = heapF32(backend, m);
  const vv = heapF32(backend, v);
  const g = heapF32(backend, grad);
  const out = heapF32(backend, outInfo);
  const { beta1, beta2, eps } = h;
  const b1c = 1 - beta1;
  const b2c = 1 - beta2;
  const inv1 = 1 / h.debias1;
  const inv2 = 1 / h.debias2;
  const keep = 1 - h.lr * h.decay;
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    const mi = beta1 * mm[i]! + b1c * gi;
    const vi = beta2 * vv[i]! + b2c * gi * gi;
    mm[i] = mi;
    vv[i] = vi;
    out[i] = w[i]! * keep - (h.lr * (mi * inv1)) / (Math.sqrt(vi * inv2) + eps);
  }
  const next = tf.engine().makeTensorFromTensorInfo(outInfo, backend);
  variable.assign(next);
  next.dispose();
  return true;
}
