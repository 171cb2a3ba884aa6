import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { AdamW } from '../model/adamw.js';
import { atomicWrite, loadWeightList, saveWeightList } from '../model/fs-io-handler.js';
import type { TrainableModel } from '../model/build-model.js';

/**
 * A metric of a diverged or degenerate epoch can be NaN or ±Infinity, which JSON cannot hold: they are written
 * as the strings "NaN", "Infinity", "-Infinity" (and `null`, what JSON.stringify made of them before, reads as NaN).
 */
const metricNumber = z.union([
  z.number(),
  z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number),
  z.null().transform(() => Number.NaN),
]);
const nonFiniteAsString = (_key: string, value: unknown): unknown => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value);

export const checkpointStateSchema = z.object({
  version: z.literal(1),
  /** the epoch to run next, and the step inside it to start from (non-zero after an interrupt) */
  epoch: z.number().int().min(0),
  stepInEpoch: z.number().int().min(0),
  globalStep: z.number().int().min(0),
  /** the running loss of the interrupted epoch so far */
  epochLossSum: metricNumber,
  epochSeen: z.number().int().min(0),
  history: z.array(z.record(z.string(), metricNumber)),
  best: z.object({ epoch: z.number().int(), value: metricNumber }).nullable(),
  badEpochs: z.number().int().min(0),
  /** the upper LR of the unfrozen fine-tuning phase once chosen, so resume does not re-run lr_find */
  unfrozenMaxLr: z.number().nullable(),
  /** every random stream derives from this seed plus (epoch, step), so this is the whole RNG state */
  rng: z.object({ seed: z.number().int(), scheme: z.literal('sfc32/fnv-keyed') }),
  configDigest: z.string(),
});
export type CheckpointState = z.output<typeof checkpointStateSchema>;

export const CHECKPOINT_DIR = 'checkpoint';

/** state.json's text; NaN and ±Infinity survive the round trip through `parseCheckpointState`. */
export const checkpointStateJson = (state: CheckpointState): string => JSON.stringify(state, nonFiniteAsString, 2);

export const parseCheckpointState = (text: string): CheckpointState => checkpointStateSchema.parse(JSON.parse(text));

/** Weights (all of them, BN statistics included), optimizer moments and loop state, swapped in atomically. */
export async function saveCheckpoint(runDir: string, trainable: TrainableModel, optimizer: AdamW, state: CheckpointState): Promise<string> {
  const final = join(runDir, CHECKPOINT_DIR);
  const tmp = join(runDir, `${CHECKPOINT_DIR}.tmp`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await saveWeightList(tmp, 'weights', trainable.model.getWeights());
  const opt = await optimizer.getState(trainable.variables);
  const moments = opt.moments.flatMap((m) => (m ? [tf.tensor(m.m, m.shape), tf.tensor(m.v, m.shape)] : []));
  await saveWeightList(tmp, 'optimizer', moments);
  tf.dispose(moments);
  await atomicWrite(join(tmp, 'optimizer-layout.json'), JSON.stringify({ step: opt.step, present: opt.moments.map((m) => m !== null) }));
  await atomicWrite(join(tmp, 'state.json'), checkpointStateJson(state));
  const old = join(runDir, `${CHECKPOINT_DIR}.old`);
  await rm(old, { recursive: true, force: true });
  if (await exists(final)) await rename(final, old);
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
  return final;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Restores weights and optimizer into a freshly built model of the same architecture; returns the loop state. */
export async function loadCheckpoint(dir: string, trainable: TrainableModel, optimizer: AdamW): Promise<CheckpointState> {
  const stateFile = join(dir, 'state.json');
  let state: CheckpointState;
  try {
    state = parseCheckpointState(await readFile(stateFile, 'utf8'));
  } catch (error) {
    throw new Error(`cannot resume from ${dir}: ${stateFile} is missing or invalid (${(error as Error).message}). Pass the run directory of an interrupted run.`);
  }
  const weights = await loadWeightList(dir, 'weights');
  const current = trainable.model.getWeights();
  if (weights.length !== current.length || weights.some((w, i) => w.shape.join('x') !== current[i]!.shape.join('x'))) {
    throw new Error(`cannot resume from ${dir}: the checkpoint's weights do not fit this model; use the same config as the interrupted run`);
  }
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape));
  trainable.model.setWeights(tensors);
  tf.dispose(tensors);
  const layout = JSON.parse(await readFile(join(dir, 'optimizer-layout.json'), 'utf8')) as { step: number; present: boolean[] };
  const moments = await loadWeightList(dir, 'optimizer');
  let k = 0;
  optimizer.setState(
    {
      step: layout.step,
      moments: layout.present.map((present) => {
        if (!present) return null;
        const m = moments[k++]!;
        const v = moments[k++]!;
        return { shape: m.shape, m: m.values, v: v.values };
      }),
    },
    trainable.variables,
  );
  return state;
}
