import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRecord } from '@leakproof/ingest';
import { prepareBackend, trainingThreads, type BackendInfo } from './backend.js';
import { valuesBeforeFieldsExisted, type TrainConfig } from './config.js';
import type { Normalisation } from './data/augment.js';
import { prepareData, type PreparedData } from './data/dataset.js';
import { trainEnsemble, type EnsembleMember } from './ensemble.js';
import { AdamW } from './model/adamw.js';
import { createModel, discriminativeScales, frozenTrainable, type TrainableModel } from './model/build-model.js';
import { TrainBatches } from './loop/batches.js';
import { CHECKPOINT_DIR, exists, loadCheckpoint, type CheckpointState } from './loop/checkpoint.js';
import { createDataParallelGradients, usesDataParallel } from './loop/data-parallel-step.js';
import { runEpoch, type EpochOutcome, type Loop, type Phase, type PhaseSchedule, type TrainCallbacks } from './loop/epoch.js';
import { lrRangeTest, suggestLr } from './loop/lr-range-test.js';
import { listenForStop, type StopSignals } from './loop/stop-signals.js';
import { priorLogitBias } from './loop/train-step.js';
import type { EpochMetrics } from './loop/val-metrics.js';

export { validationProbabilities, type StepInfo, type TrainCallbacks } from './loop/epoch.js';

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
  /** a seed ensemble's members (config.ensemble > 1); history then numbers epochs on across members */
  members?: EnsembleMember[];
}

export function configDigest(config: TrainConfig): string {
  // left out: how steps are spread over threads, and fields at the value they had before they existed (keys
  // keep their order), so checkpoints written before the flag or those fields existed still resume
  const { augmentation: augmentationBefore, ...before } = valuesBeforeFieldsExisted;
  const { dataParallel: _threads, ...rest } = config;
  const digested = withoutValues({ ...rest, augmentation: withoutValues(config.augmentation, augmentationBefore) }, before);
  return createHash('sha256').update(JSON.stringify(digested)).digest('hex').slice(0, 16);
}

/** `fields` without the entries equal to `values`' entry of the same key, in their order. */
function withoutValues(fields: object, values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([key, value]) => !(key in values) || values[key] !== value));
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
 * best epoch's model saved to runDir/model, a checkpoint every epoch, early stopping, resume. Phases:
 * prepare (backend, data, stop signals) → model → starting state (fresh or from a checkpoint) → for each
 * training phase its schedule, then its epochs (loop/epoch.ts) → result. The model is disposed however it ends.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config } = options;
  const selected = await prepareBackend(config.backend, config.workers);
  const backend = { ...selected, threads: trainingThreads(config, selected) };
  if (config.ensemble > 1) return trainEnsemble(options, backend, train);
  await mkdir(options.runDir, { recursive: true });
  // listening from before decoding, which takes minutes on a full dataset: Ctrl-C there stops it, not the process
  const stop = listenForStop(options);
  try {
    const data = await prepareData(options.root, options.images, config, true, stop.graceful);
    try {
      const trainable = await createModel(config);
      try {
        return await trainModel(options, data, backend, stop, trainable);
      } finally {
        // also when training throws: the model's weights are tensors on the backend, not garbage-collected
        trainable.model.dispose();
      }
    } finally {
      await data.pool.close();
    }
  } finally {
    stop.dispose();
  }
}

async function trainModel(options: TrainOptions, data: PreparedData, backend: BackendInfo, stop: StopSignals, trainable: TrainableModel): Promise<TrainResult> {
  const { config } = options;
  const optimizer = new AdamW();
  const parallel = usesDataParallel(config, backend.name) ? await createDataParallelGradients(config, data.pool, data.norm, trainable) : undefined;
  try {
    const phases = phasesFor(trainable, config);
    const loop: Loop = {
      config,
      runDir: options.runDir,
      modelDir: join(options.runDir, 'model'),
      data,
      trainable,
      optimizer,
      parallel,
      batches: new TrainBatches(data.pool, data.train.slots, data.train.labels, config, data.norm),
      logitBias: priorLogitBias(config.classImbalance, data.train.labels),
      totalEpochs: phases.reduce((sum, p) => sum + p.epochs, 0),
      state: await startingState(options, trainable, optimizer),
      stop,
      callbacks: options.callbacks ?? {},
      stderr: options.stderr,
    };
    let outcome: EpochOutcome = 'continue';
    for (const phase of phases) {
      if (outcome !== 'continue') break;
      if (loop.state.epoch >= phase.firstEpoch + phase.epochs) continue;
      const schedule = await phaseSchedule(loop, phase);
      for (let epoch = Math.max(loop.state.epoch, phase.firstEpoch); epoch < phase.firstEpoch + phase.epochs && outcome === 'continue'; epoch++) {
        outcome = await runEpoch(loop, phase, schedule, epoch, phase === phases[phases.length - 1]);
      }
    }
    return resultOf(loop, backend, outcome === 'interrupted');
  } finally {
    optimizer.dispose();
    await parallel?.dispose();
  }
}

/** A fresh state, or the checkpoint of `resumeFrom` when its config digest matches this config. */
async function startingState(options: TrainOptions, trainable: TrainableModel, optimizer: AdamW): Promise<CheckpointState> {
  const digest = configDigest(options.config);
  if (options.resumeFrom === undefined) {
    return {
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
      rng: { seed: options.config.seed, scheme: 'sfc32/fnv-keyed' },
      configDigest: digest,
    };
  }
  const dir = (await exists(join(options.resumeFrom, CHECKPOINT_DIR, 'state.json'))) ? join(options.resumeFrom, CHECKPOINT_DIR) : options.resumeFrom;
  const state = await loadCheckpoint(dir, trainable, optimizer);
  if (state.configDigest !== digest) {
    throw new Error(`cannot resume from ${dir}: it was trained with a different config; resume with the run's recorded config`);
  }
  return state;
}

/** The phase's variables and one-cycle schedule; unfrozen fine-tuning gets discriminative LRs (fastai's slice). */
async function phaseSchedule(loop: Loop, phase: Phase): Promise<PhaseSchedule> {
  const { config, trainable, state } = loop;
  let maxLr = config.maxLr;
  let lrScale: Map<string, number> | undefined;
  if (phase.name === 'unfrozen') {
    if (config.fineTune.lrSlice === null && state.unfrozenMaxLr === null) state.unfrozenMaxLr = await findUnfrozenMaxLr(trainable, loop.batches, config);
    // fastai's fine_tune: slice(base_lr / 100, base_lr)
    const found = state.unfrozenMaxLr ?? config.maxLr;
    const [lo, hi] = config.fineTune.lrSlice ?? [found / 100, found];
    maxLr = hi;
    lrScale = discriminativeScales(trainable, lo, hi);
  }
  return {
    active: phase.active.map((i) => trainable.variables[i]!),
    cycle: { totalSteps: phase.epochs * loop.batches.steps, maxLr, ...config.oneCycle },
    lrScale,
  };
}

async function findUnfrozenMaxLr(trainable: TrainableModel, batches: TrainBatches, config: TrainConfig): Promise<number> {
  const points = await lrRangeTest(trainable, trainable.variables, undefined, batches, config, { startLr: 1e-7, endLr: 1, steps: Math.min(100, batches.steps * 2) });
  return suggestLr(points).suggested;
}

function resultOf(loop: Loop, backend: BackendInfo, interrupted: boolean): TrainResult {
  return {
    modelDir: loop.modelDir,
    epochsRun: loop.state.history.length,
    history: loop.state.history as unknown as EpochMetrics[],
    bestEpoch: loop.state.best?.epoch ?? -1,
    backend,
    interrupted,
    checkpointDir: join(loop.runDir, CHECKPOINT_DIR),
    normalisation: loop.data.norm,
  };
}
