import { cp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { TrainConfig } from './config.js';
import { CHECKPOINT_DIR, exists } from './loop/checkpoint.js';
import type { TrainCallbacks } from './loop/epoch.js';
import type { EpochMetrics } from './loop/val-metrics.js';
import { atomicWrite } from './model/fs-io-handler.js';
import { loadPreprocessing, PREPROCESSING_FILE } from './model/saved-model.js';
import type { BackendInfo } from './backend.js';
import type { TrainOptions, TrainResult } from './train.js';

/**
 * A seed ensemble: `config.ensemble` members trained one after another with seeds seed, seed+1, …, each in
 * runDir/member-K with its own checkpoint, then copied into one self-contained model folder whose
 * ensemble.json lists them; predict() averages the members' probabilities. Averaging independently trained
 * nets is the most reliable way known to keep the ranking under dataset shift (deep ensembles), and it costs
 * training time only: the data, the split and the threshold rule are the same as for one model.
 */
export const ENSEMBLE_FILE = 'ensemble.json';
const DONE_FILE = 'member-done.json';

const ensembleFileSchema = z.object({ members: z.array(z.string().min(1)).min(1) });
const memberDoneSchema = z.object({ seed: z.number().int(), epochsRun: z.number().int(), bestEpoch: z.number().int(), history: z.array(z.record(z.string(), z.number().nullable())) });
type MemberDone = z.infer<typeof memberDoneSchema>;

export interface EnsembleMember {
  seed: number;
  epochsRun: number;
  /** 0-based, within the member's own epochs */
  bestEpoch: number;
}

/** The member model folders of `modelDir`: its ensemble.json entries, or the folder itself for one model. */
export async function ensembleMembers(modelDir: string): Promise<string[]> {
  const file = join(modelDir, ENSEMBLE_FILE);
  if (!(await exists(file))) return [modelDir];
  try {
    return ensembleFileSchema.parse(JSON.parse(await readFile(file, 'utf8'))).members.map((m) => join(modelDir, m));
  } catch (error) {
    throw new Error(`${file} is invalid (${(error as Error).message}); the model folder must be written by train()`);
  }
}

/** The config member `k` trains with: one model, its own seed. */
export function memberConfig(config: TrainConfig, k: number): TrainConfig {
  return { ...config, ensemble: 1, seed: config.seed + k };
}

/**
 * Trains the members that are not done yet (a resumed run skips finished ones and continues the interrupted
 * one from its checkpoint). Epochs are numbered on across members, so registry steps stay unique.
 */
export async function trainEnsemble(options: TrainOptions, backend: BackendInfo, trainOne: (o: TrainOptions) => Promise<TrainResult>): Promise<TrainResult> {
  const done: MemberDone[] = [];
  const pace = { started: performance.now(), epochs: 0 };
  for (let k = 0; k < options.config.ensemble; k++) {
    const dir = join(options.runDir, `member-${k}`);
    const finished = options.resumeFrom !== undefined ? await readDone(dir) : undefined;
    const member = `ensemble member ${k + 1} of ${options.config.ensemble} (seed ${options.config.seed + k})`;
    if (finished) {
      options.stderr?.write(`${member}: trained before this resume, kept\n`);
      done.push(finished);
      continue;
    }
    const offset = done.reduce((sum, m) => sum + m.epochsRun, 0);
    const resumable = options.resumeFrom !== undefined && (await exists(join(dir, CHECKPOINT_DIR, 'state.json')));
    // the progress bars count epochs per member, so say which member they belong to
    options.stderr?.write(`${member}${resumable ? ': resuming from its checkpoint' : ''}\n`);
    const sayRunProgress = (epoch: number) => {
      pace.epochs += 1;
      const planned = offset + (options.config.ensemble - done.length) * options.config.epochs;
      const secondsPerEpoch = (performance.now() - pace.started) / 1000 / pace.epochs;
      options.stderr?.write(`${ensembleProgressLine(epoch + 1, planned, secondsPerEpoch)}\n`);
    };
    const last = await trainOne({
      ...options,
      config: memberConfig(options.config, k),
      runDir: dir,
      resumeFrom: resumable ? dir : undefined,
      callbacks: offsetCallbacks(withRunProgress(options.callbacks, sayRunProgress), offset),
    });
    if (last.interrupted) return combine(options, backend, done, last, offset);
    const trained: MemberDone = { seed: options.config.seed + k, epochsRun: last.epochsRun, bestEpoch: last.bestEpoch, history: last.history as unknown as Record<string, number | null>[] };
    await atomicWrite(join(dir, DONE_FILE), JSON.stringify(trained));
    done.push(trained);
  }
  await writeEnsembleModel(join(options.runDir, 'model'), options.runDir, done.length);
  return combine(options, backend, done, undefined, 0);
}

async function readDone(dir: string): Promise<MemberDone | undefined> {
  if (!(await exists(join(dir, DONE_FILE)))) return undefined;
  return memberDoneSchema.parse(JSON.parse(await readFile(join(dir, DONE_FILE), 'utf8')));
}

function offsetCallbacks(callbacks: TrainCallbacks | undefined, offset: number): TrainCallbacks {
  return {
    onEpochEnd: callbacks?.onEpochEnd && ((event) => callbacks.onEpochEnd!({ ...event, epoch: event.epoch + offset })),
    onStep: callbacks?.onStep && ((event) => callbacks.onStep!({ ...event, epoch: event.epoch + offset })),
    onCheckpoint: callbacks?.onCheckpoint,
  };
}

/**
 * The whole ensemble's progress, since each member's bars count its own epochs from 1: epochs done of the most
 * the run can take (members that stop early take fewer) and the time that leaves at this process's pace.
 */
export function ensembleProgressLine(done: number, planned: number, secondsPerEpoch: number): string {
  if (done >= planned) return `ensemble: ${done} of ${planned} epochs done`;
  const minutes = ((planned - done) * secondsPerEpoch) / 60;
  const left = minutes < 1 ? 'under a minute' : `about ${Math.round(minutes)} min`;
  return `ensemble: ${done} of at most ${planned} epochs done, ${left} left at this pace`;
}

function withRunProgress(callbacks: TrainCallbacks | undefined, onEpoch: (epoch: number) => void): TrainCallbacks {
  return {
    ...callbacks,
    onEpochEnd: async (event) => {
      await callbacks?.onEpochEnd?.(event);
      onEpoch(event.epoch);
    },
  };
}

/** runDir/model: every member's model folder copied in (so the folder is self-contained) and ensemble.json. */
async function writeEnsembleModel(modelDir: string, runDir: string, members: number): Promise<void> {
  await rm(modelDir, { recursive: true, force: true });
  const names = Array.from({ length: members }, (_, k) => `member-${k}`);
  for (const name of names) await cp(join(runDir, name, 'model'), join(modelDir, name), { recursive: true });
  // the shared preprocessing at the top too, for readers that only need image size and normalisation
  await cp(join(modelDir, names[0]!, PREPROCESSING_FILE), join(modelDir, PREPROCESSING_FILE));
  await atomicWrite(join(modelDir, ENSEMBLE_FILE), JSON.stringify({ members: names }, null, 2));
}

/** The run's result: every member's epochs numbered on, and the interrupted member's so far when stopped. */
async function combine(options: TrainOptions, backend: BackendInfo, done: MemberDone[], interruptedMember: TrainResult | undefined, lastOffset: number): Promise<TrainResult> {
  let offset = 0;
  const history: EpochMetrics[] = [];
  for (const m of done) {
    for (const h of m.history) history.push({ ...h, epoch: (h['epoch'] ?? 0) + offset } as unknown as EpochMetrics);
    offset += m.epochsRun;
  }
  for (const h of (interruptedMember?.history ?? []) as unknown as Record<string, number | null>[]) history.push({ ...h, epoch: (h['epoch'] ?? 0) + lastOffset } as unknown as EpochMetrics);
  const members: EnsembleMember[] = done.map(({ seed, epochsRun, bestEpoch }) => ({ seed, epochsRun, bestEpoch }));
  const normalisation = interruptedMember?.normalisation ?? (await loadPreprocessing(join(options.runDir, 'member-0', 'model'))).normalisation;
  return {
    modelDir: join(options.runDir, 'model'),
    epochsRun: history.length,
    history,
    bestEpoch: done[0]?.bestEpoch ?? interruptedMember?.bestEpoch ?? -1,
    backend,
    interrupted: interruptedMember !== undefined,
    checkpointDir: interruptedMember?.checkpointDir ?? join(options.runDir, `member-${done.length - 1}`, CHECKPOINT_DIR),
    normalisation,
    members,
  };
}
