import type { TrainConfig } from '../config.js';
import type { PreparedData } from '../data/dataset.js';
import type { AdamW } from '../model/adamw.js';
import type { TrainableModel } from '../model/build-model.js';
import { saveModel } from '../model/saved-model.js';
import { oneCycleAt } from '../one-cycle.js';
import { withAhead, withoutAhead, type TrainBatches } from './batches.js';
import { saveCheckpoint, type CheckpointState } from './checkpoint.js';
import type { createDataParallelGradients } from './data-parallel-step.js';
import { epochProgress } from './progress.js';
import { INPUT_BUFFERS } from './shared-inputs.js';
import type { StopSignals } from './stop-signals.js';
import { predictProbabilities, stepInput, trainStep } from './train-step.js';
import { improves, validationMetrics, type EpochMetrics } from './val-metrics.js';

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

export interface Phase {
  name: 'frozen' | 'unfrozen' | 'full';
  firstEpoch: number;
  epochs: number;
  active: number[];
}

/** What one phase trains with: its variables, its one-cycle schedule, per-variable LR scales (fine-tuning). */
export interface PhaseSchedule {
  active: TrainableModel['variables'];
  cycle: { totalSteps: number; maxLr: number } & TrainConfig['oneCycle'];
  lrScale: Map<string, number> | undefined;
}

/** Everything an epoch reads or advances, built once per training call. */
export interface Loop {
  config: TrainConfig;
  runDir: string;
  modelDir: string;
  data: PreparedData;
  trainable: TrainableModel;
  optimizer: AdamW;
  parallel: Awaited<ReturnType<typeof createDataParallelGradients>> | undefined;
  batches: TrainBatches;
  logitBias: number;
  totalEpochs: number;
  /** advanced by every step and epoch; what a checkpoint saves */
  state: CheckpointState;
  stop: StopSignals;
  callbacks: TrainCallbacks;
  stderr: NodeJS.WritableStream | undefined;
}

/** continue: next epoch; interrupted: checkpointed for resume; finished: stopped early or by a last-epoch interrupt. */
export type EpochOutcome = 'continue' | 'interrupted' | 'finished';

export async function runEpoch(loop: Loop, phase: Phase, schedule: PhaseSchedule, epoch: number, lastPhase: boolean): Promise<EpochOutcome> {
  const started = performance.now();
  const lastLr = await runSteps(loop, phase, schedule, epoch);
  if (lastLr === null) {
    await checkpoint(loop);
    return 'interrupted';
  }
  await endEpoch(loop, epoch, lastLr, (performance.now() - started) / 1000, lastPhase);
  if (loop.stop.graceful.aborted) return loop.state.epoch < loop.totalEpochs ? 'interrupted' : 'finished';
  return stoppedEarly(loop) ? 'finished' : 'continue';
}

/** The epoch's steps from where the state says; the last learning rate, or null when stopped mid-epoch. */
async function runSteps(loop: Loop, phase: Phase, schedule: PhaseSchedule, epoch: number): Promise<number | null> {
  const { config, batches, state } = loop;
  const progress = epochProgress(loop.stderr, epoch, loop.totalEpochs, batches.steps * config.batchSize);
  let lastLr = 0;
  // data-parallel threads augment the images themselves, two batches ahead; the single-thread path gets them prefetched from the pool
  const planned = batches.epoch(epoch, state.stepInEpoch, { augmentHere: !loop.parallel });
  for await (const [batch, ahead] of loop.parallel ? withAhead(planned, INPUT_BUFFERS - 1) : withoutAhead(planned)) {
    const { lr, beta1 } = oneCycleAt((epoch - phase.firstEpoch) * batches.steps + batch.step, schedule.cycle);
    lastLr = lr;
    const hyper = { lr, beta1, beta2: config.oneCycle.beta2, eps: config.oneCycle.eps, weightDecay: config.weightDecay, lrScale: schedule.lrScale };
    const dropoutKey = [config.seed, 'dropout', epoch, batch.step];
    const loss = loop.parallel
      ? await loop.parallel.step(loop.trainable, loop.optimizer, schedule.active, batch, hyper, dropoutKey, ahead)
      : trainStep(loop.trainable, loop.optimizer, schedule.active, stepInput(batch, config.imageSize), hyper, dropoutKey);
    if (!Number.isFinite(loss)) throw new Error(`training diverged at epoch ${epoch + 1}, step ${batch.step + 1} (loss ${loss}); lower maxLr`);
    state.epochLossSum += loss * batch.n;
    state.epochSeen += batch.n;
    state.stepInEpoch = batch.step + 1;
    state.globalStep += 1;
    progress.update(state.epochSeen, state.epochLossSum / state.epochSeen);
    loop.callbacks.onStep?.({ epoch, step: batch.step, globalStep: state.globalStep, loss, lr, beta1 });
    // prefetched batches resolve as microtasks; yield a macrotask so timers (progress bar) and SIGINT run
    await new Promise<void>((done) => setImmediate(done));
    loop.stop.throwIfStoppedNow(`epoch ${epoch + 1}, step ${batch.step + 1}`);
    if (loop.stop.graceful.aborted) break;
  }
  progress.stop();
  return loop.stop.graceful.aborted && state.stepInEpoch < batches.steps ? null : lastLr;
}

/** Validation, the best model so far, the early-stopping count, a checkpoint, then the caller's callback. */
async function endEpoch(loop: Loop, epoch: number, lastLr: number, seconds: number, lastPhase: boolean): Promise<void> {
  const { config, state } = loop;
  const probs = await validationProbabilities(loop.trainable, loop.data, loop.logitBias);
  const metrics: EpochMetrics = {
    loss: state.epochLossSum / Math.max(1, state.epochSeen),
    ...validationMetrics(probs, loop.data.val.records, loop.data.val.labels),
    lr: lastLr,
    images_per_second: state.epochSeen / Math.max(seconds, 1e-9),
  };
  state.history = [...state.history, { epoch, ...metrics }];
  const value = metrics[config.earlyStopping?.metric ?? 'val_loss'];
  if (!config.earlyStopping || state.best === null || improves(config.earlyStopping.metric, value, state.best.value)) {
    state.best = { epoch, value };
    state.badEpochs = 0;
    await saveBestModel(loop, epoch);
  } else if (lastPhase) {
    state.badEpochs += 1;
  }
  state.epoch = epoch + 1;
  state.stepInEpoch = 0;
  state.epochLossSum = 0;
  state.epochSeen = 0;
  await checkpoint(loop);
  await loop.callbacks.onEpochEnd?.({ epoch, metrics });
}

/** The one early-stopping check: the metric has not improved for `patience` epochs of the last phase. */
function stoppedEarly(loop: Loop): boolean {
  const { earlyStopping } = loop.config;
  if (!earlyStopping || loop.state.badEpochs < earlyStopping.patience) return false;
  loop.stderr?.write(`early stopping: ${earlyStopping.metric} has not improved for ${loop.state.badEpochs} epochs (best epoch ${(loop.state.best?.epoch ?? 0) + 1})\n`);
  return true;
}

async function saveBestModel(loop: Loop, epoch: number): Promise<void> {
  const { config, trainable } = loop;
  await saveModel(loop.modelDir, trainable, {
    imageSize: config.imageSize,
    positiveClass: config.positiveClass,
    normalisation: loop.data.norm,
    outputIsLogits: trainable.outputIsLogits,
    inputChannels: trainable.inputChannels,
    logitBias: loop.logitBias,
    epoch,
  });
}

export async function checkpoint(loop: Loop): Promise<void> {
  const path = await saveCheckpoint(loop.runDir, loop.trainable, loop.optimizer, loop.state);
  await loop.callbacks.onCheckpoint?.(path);
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
