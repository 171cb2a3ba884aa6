import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { FlatAdam, type AdamHyper } from './adam.js';
import { GradientComputer, type GradientResult, type LossSpec, type ModelSpec, type WeightSpec } from './gradient-core.js';
import type { FromWorker, ToWorker } from './protocol.js';

export interface DataParallelTrainerOptions {
  model: ModelSpec;
  /** Gradient workers (worker threads, one wasm backend each). 0 computes in this thread on the active backend. */
  workers: number;
  lossSpec?: LossSpec;
  /** Initial weights (model.getWeights() order); default: the freshly built model's. */
  initialWeights?: Float32Array[];
  adam?: Partial<AdamHyper>;
}

export interface StepOptions {
  sampleWeights?: Float32Array;
  /** Overrides for this step and the following ones (one-cycle schedules). */
  learningRate?: number;
  beta1?: number;
}

export interface DataParallelTrainer {
  readonly weightSpecs: WeightSpec[];
  readonly workers: number;
  /** One optimizer step on a batch of n samples (x: n·H·W·C NHWC floats, y: n labels). */
  step(x: Float32Array, y: Float32Array, n: number, opts?: StepOptions): Promise<{ loss: number }>;
  /** Loss and averaged gradients without updating weights (for tests and diagnostics). */
  gradients(x: Float32Array, y: Float32Array, n: number, sampleWeights?: Float32Array): Promise<GradientResult>;
  getWeights(): Float32Array[];
  setWeights(weights: Float32Array[]): void;
  setHyper(h: Partial<AdamHyper>): void;
  getHyper(): AdamHyper;
  dispose(): Promise<void>;
}

const DEFAULT_ADAM: AdamHyper = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0 };

type ShardRunner = (weights: Float32Array[], x: Float32Array, y: Float32Array, n: number, sw?: Float32Array) => Promise<GradientResult>;

class WorkerHandle {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: GradientResult) => void; reject: (e: Error) => void }>();
  private readyResolve!: (specs: WeightSpec[]) => void;
  private readyReject!: (e: Error) => void;
  readonly ready: Promise<WeightSpec[]>;
  private readonly worker: Worker;

  constructor(spec: ModelSpec, lossSpec: LossSpec) {
    this.ready = new Promise((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.worker = new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
      workerData: { entry: new URL('./gradient-worker.ts', import.meta.url).href },
    });
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.failAll(new Error(`gradient worker exited with code ${code}`));
    });
    this.post({ type: 'init', spec, lossSpec });
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'ready') return this.readyResolve(msg.weightSpecs);
    if (msg.type === 'result') {
      this.pending.get(msg.id)?.resolve({ loss: msg.loss, grads: msg.grads, nonTrainable: msg.nonTrainable });
      this.pending.delete(msg.id);
      return;
    }
    const err = new Error(`gradient worker failed: ${msg.message}`);
    if (msg.id === undefined) return this.failAll(err);
    this.pending.get(msg.id)?.reject(err);
    this.pending.delete(msg.id);
  }

  private failAll(err: Error): void {
    this.readyReject(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private post(msg: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  run: ShardRunner = (weights, x, y, n, sampleWeights) =>
    new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      const msg: ToWorker = { type: 'step', id, weights, x, y, n, ...(sampleWeights ? { sampleWeights } : {}) };
      this.post(msg, [...weights.map((w) => w.buffer as ArrayBuffer), x.buffer as ArrayBuffer, y.buffer as ArrayBuffer]);
    });

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Splits n samples into `parts` contiguous shards as even as possible (empty shards dropped). */
export function shardSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0)).filter((s) => s > 0);
}

/**
 * Data-parallel training: each step the batch is split across workers, each computes loss and
 * gradients of its shard with the current weights, and this thread averages them (weighted by
 * shard size, which equals full-batch gradients for a mean loss) and applies Adam.
 */
export async function createDataParallelTrainer(opts: DataParallelTrainerOptions): Promise<DataParallelTrainer> {
  if (!Number.isInteger(opts.workers) || opts.workers < 0) throw new Error(`workers must be a non-negative integer, got ${opts.workers}`);
  const lossSpec = opts.lossSpec ?? {};
  const local = opts.workers === 0 ? await GradientComputer.create(opts.model, lossSpec) : undefined;
  const handles = Array.from({ length: opts.workers }, () => new WorkerHandle(opts.model, lossSpec));
  let weightSpecs: WeightSpec[];
  let weights: Float32Array[];
  try {
    const specsFromWorkers = await Promise.all(handles.map((h) => h.ready));
    if (local) {
      weightSpecs = local.weightSpecs;
      weights = local.currentWeights();
    } else {
      weightSpecs = specsFromWorkers[0] as WeightSpec[];
      // Initial weights come from one model built here so every worker starts identical.
      const model = await GradientComputer.create(opts.model, lossSpec);
      weights = model.currentWeights();
      model.dispose();
    }
  } catch (err) {
    await Promise.all(handles.map((h) => h.terminate()));
    throw err;
  }
  if (opts.initialWeights) weights = opts.initialWeights.map((w) => Float32Array.from(w));
  const trainableCount = weightSpecs.filter((w) => w.trainable).length;
  const sizes = weightSpecs.map((w) => w.shape.reduce((a, b) => a * b, 1));
  const adam = new FlatAdam(sizes.slice(0, trainableCount));
  let hyper: AdamHyper = { ...DEFAULT_ADAM, ...opts.adam };
  const sampleSize = (x: Float32Array, n: number) => x.length / n;

  const runners: ShardRunner[] = local
    ? [async (w, x, y, n, sw) => {
        local.setWeights(w);
        return local.compute(x, y, n, sw);
      }]
    : handles.map((h) => h.run);

  async function gradients(x: Float32Array, y: Float32Array, n: number, sampleWeights?: Float32Array): Promise<GradientResult> {
    if (n <= 0 || x.length % n !== 0 || y.length !== n) throw new Error(`batch mismatch: n=${n}, x has ${x.length} floats, y has ${y.length} labels`);
    if (sampleWeights && sampleWeights.length !== n) throw new Error(`sampleWeights has ${sampleWeights.length} entries for ${n} samples`);
    const per = sampleSize(x, n);
    const shards = shardSizes(n, runners.length);
    let offset = 0;
    const results = await Promise.all(
      shards.map((s, k) => {
        const from = offset;
        offset += s;
        return (runners[k] as ShardRunner)(
          weights.map((w) => Float32Array.from(w)),
          x.slice(from * per, (from + s) * per),
          y.slice(from, from + s),
          s,
          sampleWeights?.slice(from, from + s),
        );
      }),
    );
    const grads = sizes.slice(0, trainableCount).map((len) => new Float32Array(len));
    const nonTrainable = sizes.slice(trainableCount).map((len) => new Float32Array(len));
    let loss = 0;
    results.forEach((r, k) => {
      const share = (shards[k] as number) / n;
      loss += share * r.loss;
      r.grads.forEach((g, i) => {
        const acc = grads[i] as Float32Array;
        for (let j = 0; j < g.length; j++) acc[j] = (acc[j] as number) + share * (g[j] as number);
      });
      r.nonTrainable.forEach((g, i) => {
        const acc = nonTrainable[i] as Float32Array;
        for (let j = 0; j < g.length; j++) acc[j] = (acc[j] as number) + share * (g[j] as number);
      });
    });
    return { loss, grads, nonTrainable };
  }

  return {
    weightSpecs,
    workers: opts.workers,
    gradients,
    async step(x, y, n, stepOpts = {}) {
      if (stepOpts.learningRate !== undefined) hyper = { ...hyper, learningRate: stepOpts.learningRate };
      if (stepOpts.beta1 !== undefined) hyper = { ...hyper, beta1: stepOpts.beta1 };
      const { loss, grads, nonTrainable } = await gradients(x, y, n, stepOpts.sampleWeights);
      if (!Number.isFinite(loss)) throw new Error(`loss became ${loss}; lower the learning rate or check the inputs for NaN`);
      adam.apply(weights.slice(0, trainableCount), grads, hyper);
      nonTrainable.forEach((v, i) => (weights[trainableCount + i] = v));
      return { loss };
    },
    getWeights: () => weights.map((w) => Float32Array.from(w)),
    setWeights(ws) {
      if (ws.length !== weights.length || ws.some((w, i) => w.length !== sizes[i])) throw new Error('setWeights: arrays do not match the model weightSpecs');
      weights = ws.map((w) => Float32Array.from(w));
    },
    setHyper(h) {
      hyper = { ...hyper, ...h };
    },
    getHyper: () => ({ ...hyper }),
    async dispose() {
      local?.dispose();
      await Promise.all(handles.map((h) => h.terminate()));
    },
  };
}

/** Weights as tensors for a tfjs-layers model built from the same spec (e.g. for evaluation or saving). */
export function weightsToTensors(specs: WeightSpec[], weights: Float32Array[]): tf.Tensor[] {
  return specs.map((s, i) => tf.tensor(weights[i] as Float32Array, s.shape));
}
