import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InterruptedError } from '@leakproof/core';
import type { ImageRecord } from '@leakproof/ingest';
import { prepareBackend, type BackendInfo } from './backend.js';
import type { TrainConfig } from './config.js';
import type { Normalisation } from './data/augment.js';
import { prepareData, type PreparedData } from './data/dataset.js';
import { AdamW } from './model/adamw.js';
import { createModel, discriminativeScales, frozenTrainable, type TrainableModel } from './model/build-model.js';
import { saveModel } from './model/saved-model.js';
import { TrainBatches } from './loop/batches.js';
import { CHECKPOINT_DIR, exists, loadCheckpoint, saveCheckpoint, type CheckpointState } from './loop/checkpoint.js';
import { lrRangeTest, suggestLr } from './loop/lr-range-test.js';
import { oneCycleAt } from './one-cycle.js';
import { epochProgress } from './loop/progress.js';
import { predictProbabilities, priorLogitBias, trainStep } from './loop/train-step.js';
import { createDataParallelGradients, usesDataParallel } from './loop/data-parallel-step.js';
import { improves, validationMetrics, type EpochMetrics } from './loop/val-metrics.js';

export interface StepInfo {
  epoch: number;
  step: number;
  globalStep: number;
  loss: number;
  lr: number;
  beta1: number;
}

export interface TrainCallbacks {
  /** awaited, so a registry write finishes before the next epoch starts */
  onEpochEnd?(event: { epoch: number; metrics: EpochMetrics }): void | Promise<void>;
  onStep?(event: StepInfo): void;
  onCheckpoint?(path: string): void | Promise<void>;
}

export interface TrainOptions {
  /** dataset root the records' paths are relative to */
  root: string;
  /** records with split 'train' and 'val' (others are ignored) */
  images: readonly ImageRecord[];
  config: TrainConfig;
  runDir: string;
  callbacks?: TrainCallbacks;
  /** progress bars go here (usually process.stderr); omit for silence */
  stderr?: NodeJS.WritableStream;
  /** a run directory (or its checkpoint folder) to continue from */
  resumeFrom?: string;
  /** finish the current step, checkpoint and return when aborted (the CLI's Ctrl-C) */
  signal?: AbortSignal;
  /** install a SIGINT handler doing the same as `signal` while training (default true) */
  handleSigint?: boolean;
}

export interface TrainResult {
  modelDir: string;
  epochsRun: number;
  history: EpochMetrics[];
  /** epoch (0-based) whose weights are in modelDir */
  bestEpoch: number;
  backend: BackendInfo;
  /** true when stopped by Ctrl-C/abort: a checkpoint is in checkpointDir and `resumeFrom: runDir` continues */
  interrupted: boolean;
  checkpointDir: string;
  normalisation: Normalisation;
}

interface Phase {
  name: 'frozen' | 'unfrozen' | 'full';
  firstEpoch: number;
  epochs: number;
  active: number[];
}

export function configDigest(config: TrainConfig): string {
  // the flag's default is left out so checkpoints written before it existed still resume
  const { dataParallel, ...rest } = config;
  return createHash('sha256').update(JSON.stringify(dataParallel ? config : rest)).digest('hex').slice(0, 16);
}

function phasesFor(trainable: TrainableModel, config: TrainConfig): Phase[] {
  const all = trainable.variables.map((_, i) => i);
  if (!trainable.pretrained || config.fineTune.frozenEpochs === 0) return [{ name: 'full', firstEpoch: 0, epochs: config.epochs, active: all }];
  return [
    { name: 'frozen', firstEpoch: 0, epochs: config.fineTune.frozenEpochs, active: frozenTrainable(trainable) },
    { name: 'unfrozen', firstEpoch: config.fineTune.frozenEpochs, epochs: config.epochs, active: all },
  ];
}

/**
 * The training loop: one-cycle AdamW steps on prefetched augmented batches, validation every epoch, the
 * best epoch's model saved to runDir/model, a checkpoint every epoch, early stopping, resume.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config, runDir, callbacks = {} } = options;
  const backend = await prepareBackend(config.backend, config.workers);
  await mkdir(runDir, { recursive: true });
  const data = await prepareData(options.root, options.images, config);
  const abort = new AbortController();
  // a library never exits: the second Ctrl-C makes the loop throw InterruptedError at the next step (the CLI
  // exits 130), and from then on Node's default SIGINT handling applies, so a third one kills the process
  const stopNow = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) {
      options.stderr?.write('\nstopping now, without a checkpoint of this epoch (Ctrl-C again to kill)\n');
      process.off('SIGINT', onSigint);
      stopNow.abort();
      return;
    }
    options.stderr?.write('\nstopping after this step and writing a checkpoint (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  if (options.signal?.aborted) abort.abort();
  else options.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  if (options.handleSigint !== false) process.on('SIGINT', onSigint);
  try {
    return await runLoop(options, data, backend, abort.signal, stopNow.signal);
  } finally {
    if (options.handleSigint !== false) process.off('SIGINT', onSigint);
    await data.pool.close();
  }

  async function runLoop(opts: TrainOptions, prepared: PreparedData, info: BackendInfo, signal: AbortSignal, stopNow: AbortSignal): Promise<TrainResult> {
    const trainable = await createModel(config);
    try {
      return await loopEpochs(opts, prepared, info, signal, stopNow, trainable);
    } finally {
      // also when training throws: the model's weights are tensors on the backend, not garbage-collected
      trainable.model.dispose();
    }
  }

  async function loopEpochs(opts: TrainOptions, prepared: PreparedData, info: BackendInfo, signal: AbortSignal, stopNow: AbortSignal, trainable: TrainableModel): Promise<TrainResult> {
    const optimizer = new AdamW();
    const batches = new TrainBatches(prepared.pool, prepared.train.slots, prepared.train.labels, config, prepared.norm);
    const phases = phasesFor(trainable, config);
    const logitBias = priorLogitBias(config.classImbalance, prepared.train.labels);
    const totalEpochs = phases.reduce((sum, p) => sum + p.epochs, 0);
    const modelDir = join(runDir, 'model');
    const digest = configDigest(config);
    let state: CheckpointState = {
      version: 1,
      epoch: 0,
      stepInEpoch: 0,
      globalStep: 0,
      epochLossSum: 0,
      epochSeen: 0,
      history: [],
      best: null,
      badEpochs: 0,
      unfrozenMaxLr: null,
      rng: { seed: config.seed, scheme: 'sfc32/fnv-keyed' },
      configDigest: digest,
    };
    if (opts.resumeFrom !== undefined) {
      const dir = (await exists(join(opts.resumeFrom, CHECKPOINT_DIR, 'state.json'))) ? join(opts.resumeFrom, CHECKPOINT_DIR) : opts.resumeFrom;
      state = await loadCheckpoint(dir, trainable, optimizer);
      if (state.configDigest !== digest) {
        throw new Error(`cannot resume from ${dir}: it was trained with a different config; resume with the run's recorded config`);
      }
    }
    const checkpoint = async () => {
      const path = await saveCheckpoint(runDir, trainable, optimizer, state);
      await callbacks.onCheckpoint?.(path);
    };
    const esMetric = config.earlyStopping?.metric ?? 'val_loss';
    let interrupted = false;
    const parallel = usesDataParallel(config) ? await createDataParallelGradients(config) : undefined;
    try {
      for (const phase of phases) {
        if (state.epoch >= phase.firstEpoch + phase.epochs) continue;
        const active = phase.active.map((i) => trainable.variables[i]!);
        let maxLr = config.maxLr;
        let lrScale: Map<string, number> | undefined;
        if (phase.name === 'unfrozen') {
          if (config.fineTune.lrSlice === null && state.unfrozenMaxLr === null) state.unfrozenMaxLr = await findUnfrozenMaxLr(trainable, batches);
          // fastai's fine_tune: slice(base_lr / 100, base_lr)
          const found = state.unfrozenMaxLr ?? config.maxLr;
          const [lo, hi] = config.fineTune.lrSlice ?? [found / 100, found];
          maxLr = hi;
          lrScale = discriminativeScales(trainable, lo, hi);
        }
        const cycle = { totalSteps: phase.epochs * batches.steps, maxLr, ...config.oneCycle };
        for (let epoch = Math.max(state.epoch, phase.firstEpoch); epoch < phase.firstEpoch + phase.epochs; epoch++) {
          const started = performance.now();
          const progress = epochProgress(opts.stderr, epoch, totalEpochs, batches.steps * config.batchSize);
          let lastLr = 0;
          for await (const batch of batches.epoch(epoch, state.stepInEpoch)) {
            const cycleStep = (epoch - phase.firstEpoch) * batches.steps + batch.step;
            const { lr, beta1 } = oneCycleAt(cycleStep, cycle);
            lastLr = lr;
            const input = { ...batch, size: config.imageSize };
            const hyper = { lr, beta1, beta2: config.oneCycle.beta2, eps: config.oneCycle.eps, weightDecay: config.weightDecay, lrScale };
            const loss = parallel
              ? await parallel.step(trainable, optimizer, active, input, hyper)
              : trainStep(trainable, optimizer, active, input, hyper, [config.seed, 'dropout', epoch, batch.step]);
            if (!Number.isFinite(loss)) throw new Error(`training diverged at epoch ${epoch + 1}, step ${batch.step + 1} (loss ${loss}); lower maxLr`);
            state.epochLossSum += loss * batch.n;
            state.epochSeen += batch.n;
            state.stepInEpoch = batch.step + 1;
            state.globalStep += 1;
            progress.update(state.epochSeen, state.epochLossSum / state.epochSeen);
            callbacks.onStep?.({ epoch, step: batch.step, globalStep: state.globalStep, loss, lr, beta1 });
            // prefetched batches resolve as microtasks; yield a macrotask so timers (progress bar) and SIGINT run
            await new Promise<void>((done) => setImmediate(done));
            if (stopNow.aborted) throw new InterruptedError(`training stopped at epoch ${epoch + 1}, step ${batch.step + 1} by a second Ctrl-C`, { hint: 'the last epoch checkpoint (if any) is kept: resume the run to continue from it' });
            if (signal.aborted) break;
          }
          progress.stop();
          if (signal.aborted && state.stepInEpoch < batches.steps) {
            interrupted = true;
            await checkpoint();
            break;
          }
          const seconds = (performance.now() - started) / 1000;
          const probs = await validationProbabilities(trainable, prepared, logitBias);
          const metrics: EpochMetrics = {
            loss: state.epochLossSum / Math.max(1, state.epochSeen),
            ...validationMetrics(probs, prepared.val.records, prepared.val.labels),
            lr: lastLr,
            images_per_second: state.epochSeen / Math.max(seconds, 1e-9),
          };
          state.history = [...state.history, { epoch, ...metrics }];
          const value = metrics[esMetric];
          const finalPhase = phase === phases[phases.length - 1];
          if (!config.earlyStopping || improves(esMetric, value, state.best?.value ?? null) || state.best === null) {
            state.best = { epoch, value };
            state.badEpochs = 0;
            await saveModel(modelDir, trainable, {
              imageSize: config.imageSize,
              positiveClass: config.positiveClass,
              normalisation: prepared.norm,
              outputIsLogits: trainable.outputIsLogits,
              inputChannels: trainable.inputChannels,
              logitBias,
              epoch,
            });
          } else if (finalPhase) {
            state.badEpochs += 1;
          }
          state.epoch = epoch + 1;
          state.stepInEpoch = 0;
          state.epochLossSum = 0;
          state.epochSeen = 0;
          await checkpoint();
          await callbacks.onEpochEnd?.({ epoch, metrics });
          if (signal.aborted) {
            interrupted = state.epoch < totalEpochs;
            break;
          }
          if (config.earlyStopping && state.badEpochs >= config.earlyStopping.patience) {
            opts.stderr?.write(`early stopping: ${esMetric} has not improved for ${state.badEpochs} epochs (best epoch ${state.best.epoch + 1})\n`);
            break;
          }
        }
        if (interrupted || (config.earlyStopping && state.badEpochs >= config.earlyStopping.patience)) break;
      }
    } finally {
      optimizer.dispose();
      await parallel?.dispose();
    }
    const result: TrainResult = {
      modelDir,
      epochsRun: state.history.length,
      history: state.history as unknown as EpochMetrics[],
      bestEpoch: state.best?.epoch ?? -1,
      backend: info,
      interrupted,
      checkpointDir: join(runDir, CHECKPOINT_DIR),
      normalisation: prepared.norm,
    };
    return result;
  }

  async function findUnfrozenMaxLr(trainable: TrainableModel, batches: TrainBatches): Promise<number> {
    const points = await lrRangeTest(trainable, trainable.variables, undefined, batches, config, { startLr: 1e-7, endLr: 1, steps: Math.min(100, batches.steps * 2) });
    return suggestLr(points).suggested;
  }
}

export async function validationProbabilities(trainable: TrainableModel, data: PreparedData, logitBias: number, batchSize = 64): Promise<Float32Array> {
  const out = new Float32Array(data.val.slots.length);
  for (let start = 0; start < data.val.slots.length; start += batchSize) {
    const slots = data.val.slots.slice(start, start + batchSize);
    const x = await data.pool.batch(slots, null, data.norm);
    out.set(predictProbabilities(trainable, x, slots.length, data.pool.size, logitBias), start);
  }
  return out;
}
