import type { LossSpec, ModelSpec, WeightSpec } from './gradient-core.js';

export type ToWorker =
  | { type: 'init'; spec: ModelSpec; lossSpec: LossSpec }
  | { type: 'step'; id: number; weights: Float32Array[]; x: Float32Array; y: Float32Array; n: number; sampleWeights?: Float32Array };

export type FromWorker =
  | { type: 'ready'; weightSpecs: WeightSpec[]; backend: string }
  | { type: 'result'; id: number; loss: number; grads: Float32Array[]; nonTrainable: Float32Array[] }
  | { type: 'error'; id?: number; message: string };
