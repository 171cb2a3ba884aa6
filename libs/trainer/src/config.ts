import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { LeakproofError, parseJsonText } from '@leakproof/core';
import { intensityModes } from './data/intensity.js';

export const augmentationSchema = z
  .object({
    /** max absolute rotation in degrees; radiographs are acquired upright, so keep it small */
    rotateDeg: z.number().min(0).max(45).default(10),
    /** max relative zoom (0.2 = 0.8×..1.2×); wide, because framing was the shift that moved NORMAL scores most */
    zoom: z.number().min(0).max(0.5).default(0.2),
    /** max shift as a fraction of the image side */
    shift: z.number().min(0).max(0.5).default(0.1),
    /** max additive brightness change on the [0, 1] intensity scale */
    brightness: z.number().min(0).max(1).default(0.15),
    /** max relative contrast change (0.2 = 0.8×..1.2×) */
    contrast: z.number().min(0).max(1).default(0.2),
    /** off by default: the heart is on the left, and markers/text are asymmetric */
    hflip: z.boolean().default(false),
    /** max relative gamma change (0.3 = exponent 1/1.3..1.3, log-uniform): exposure/detector response; 0 = off (README "Shift evidence") */
    gamma: z.number().min(0).max(2).default(0.3),
    /** max Gaussian blur sigma in pixels of the input (uniform 0..blur): focus/resampling softness; 0 = off */
    blur: z.number().min(0).max(4).default(1),
    /** max std of additive Gaussian noise on the [0, 1] scale (uniform 0..noise): detector noise; 0 = off */
    noise: z.number().min(0).max(0.2).default(0.03),
    /** probability of a box (5–15 % of the side, mostly white) burned into the image: markers, text; 0 = off */
    erase: z.number().min(0).max(1).default(0.3),
    /** probability that a warp reaching past the image edge fills with black (a frame, padding) instead of repeating the edge; 0 = off */
    border: z.number().min(0).max(1).default(0),
  })
  .strict();

export const oneCycleSchema = z
  .object({
    /** fraction of all steps spent warming up */
    pctStart: z.number().gt(0).lt(1).default(0.25),
    /** initial LR = maxLr / divFactor */
    divFactor: z.number().gt(1).default(25),
    /** final LR = initial LR / finalDivFactor */
    finalDivFactor: z.number().gt(1).default(1e4),
    /** Adam β1 goes from beta1[0] down to beta1[1] while the LR rises, then back up */
    beta1: z.tuple([z.number().gt(0).lt(1), z.number().gt(0).lt(1)]).default([0.95, 0.85]),
    beta2: z.number().gt(0).lt(1).default(0.99),
    eps: z.number().positive().default(1e-6),
  })
  .strict();

export const earlyStoppingSchema = z
  .object({
    metric: z.enum(['val_loss', 'val_auc', 'val_accuracy']).default('val_loss'),
    /** epochs without improvement before stopping; the best epoch's weights are what gets saved */
    patience: z.number().int().min(1).default(4),
  })
  .strict();

export const fineTuneSchema = z
  .object({
    /** epochs with only the new head trainable */
    frozenEpochs: z.number().int().min(0).default(1),
    /** discriminative LRs after unfreezing: first layer group gets lrSlice[0], the head lrSlice[1]; null = from lr_find */
    lrSlice: z.tuple([z.number().positive(), z.number().positive()]).nullable().default(null),
    /** number of layer groups the body is split into for discriminative LRs */
    layerGroups: z.number().int().min(2).max(8).default(3),
  })
  .strict();

export const modelChoiceSchema = z.union([
  z.enum(['cnn4', 'resnet-s']),
  z.object({ pretrained: z.string().min(1) }).strict(),
]);
export type ModelChoice = z.infer<typeof modelChoiceSchema>;

export const trainConfigSchema = z
  .object({
    /** square input side in pixels: 128 is CPU-practical; 160, 224 and 299 work with more time */
    imageSize: z.number().int().min(16).max(512).default(128),
    /** label value that maps to 1 (all other labels map to 0) */
    positiveClass: z.string().min(1).default('PNEUMONIA'),
    model: modelChoiceSchema.default('resnet-s'),
    /** channel-width multiplier for the built-in nets */
    width: z.number().positive().max(8).default(1),
    /** residual blocks per stage for resnet-s (ignored by cnn4) */
    depth: z.number().int().min(1).max(4).default(1),
    dropout: z.number().min(0).max(0.9).default(0.2),
    /** label smoothing ε: training targets become y·(1 − ε) + ε/2; 0 = off; 0.1 measured (README "The default recipe") */
    labelSmoothing: z.number().min(0).max(0.5).default(0.1),
    /** mixup α: each batch's images and targets mixed pairwise with weight λ ~ Beta(α, α); 0 = off */
    mixup: z.number().min(0).max(4).default(0),
    /** 8: the measured default recipe (trainer README "The default recipe"); ~4 min of training on 2 idle cores */
    epochs: z.number().int().min(1).max(1000).default(8),
    batchSize: z.number().int().min(1).max(1024).default(32),
    maxLr: z.number().positive().default(3e-3),
    /** decoupled (AdamW) weight decay, multiplied by the current LR */
    weightDecay: z.number().min(0).default(1e-2),
    oneCycle: oneCycleSchema.default(oneCycleSchema.parse({})),
    augmentation: augmentationSchema.default(augmentationSchema.parse({})),
    classImbalance: z.enum(['weights', 'balanced-sampling', 'none']).default('weights'),
    earlyStopping: earlyStoppingSchema.nullable().default(earlyStoppingSchema.parse({})),
    fineTune: fineTuneSchema.default(fineTuneSchema.parse({})),
    /**
     * per-image intensity normalisation at decode, identical in training, validation and prediction:
     * 'equalize' (global histogram equalisation) or 'clahe' take a site's exposure and window out of the input
     */
    intensity: z.enum(intensityModes).default('equalize'),
    /** test-time augmentation: predict() averages this many deterministic views (identity first); 1 = off */
    tta: z.number().int().min(1).max(8).default(4),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(42),
    /** seed ensemble: this many models trained one after another (seeds seed, seed+1, …); predict() averages them */
    ensemble: z.number().int().min(1).max(8).default(1),
    /** data-parallel training workers (1 = train on this thread); decode/augment also run in a pool of this size */
    workers: z.number().int().min(0).max(64).default(2),
    /**
     * with workers ≥ 2 on the wasm backend and ≥ 2 cores, each batch is split over `workers` threads (this one and
     * workers−1 shard workers, each augmenting its own images); ignored on tfjs-node, which threads itself.
     * Reproducible given seed and workers; BN batch statistics are per shard (see README).
     */
    dataParallel: z.boolean().default(true),
    /** fraction of train patients carved out as validation when the dataset has no usable val split */
    valFraction: z.number().gt(0).lt(0.9).default(0.15),
    /** threshold rule, passed through to the evaluator untouched */
    threshold: z.unknown().optional(),
    /** training backend preference: 'auto' picks the fastest that loads */
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  })
  .strict();

export type TrainConfig = z.infer<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

export class TrainConfigError extends LeakproofError {
  constructor(message: string) {
    super(message, { code: 'train-config' });
  }
}

export interface LoadedTrainConfig {
  config: TrainConfig;
  /** the config file's text exactly as read ('' when no file), for the registry */
  text: string;
  overrides: string[];
  /** text + overrides in one string, the form recorded with a run */
  verbatim: string;
}

/** Validates a config object, naming the offending field (as `fieldPrefix` + its path, e.g. train.epochs) and the fix. */
export function parseTrainConfig(input: unknown, source = 'config', fieldPrefix = ''): TrainConfig {
  const parsed = trainConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? `${fieldPrefix}${issue.path.join('.')}` : fieldPrefix.replace(/\.$/, '') || '(root)';
    return `  ${field}: ${issue.message}`;
  });
  throw new TrainConfigError(`${source} is invalid:\n${lines.join('\n')}\nFix these fields (libs/trainer/README.md lists every field and its allowed values).`);
}

/**
 * Fields added after configs were first recorded, each with the value that trained as before it existed. Their
 * defaults have since moved (equalisation, TTA, the augmentation extras; label smoothing), so a recorded config
 * that lacks one must read as this value, not today's default: otherwise resuming an older run would train a
 * different recipe than the one its checkpoint started. The checkpoint digest leaves a field out at this value,
 * so checkpoints written before it existed still match. A new field goes here, with its "off" value.
 */
export const valuesBeforeFieldsExisted = {
  intensity: 'none',
  tta: 1,
  labelSmoothing: 0,
  mixup: 0,
  ensemble: 1,
  augmentation: { gamma: 0, blur: 0, noise: 0, erase: 0, border: 0 },
} as const;

/** A resolved config recorded with a run (by any earlier version): fields it lacks take their pre-existence value. */
export function parseRecordedTrainConfig(recorded: Record<string, unknown>, source = 'recorded config'): TrainConfig {
  const { augmentation: before, ...topLevel } = valuesBeforeFieldsExisted;
  const augmentation = recorded['augmentation'];
  const filled = {
    ...topLevel,
    ...recorded,
    augmentation: typeof augmentation === 'object' && augmentation !== null ? { ...before, ...augmentation } : augmentation,
  };
  return parseTrainConfig(filled, source);
}

/** Path segments that would reach an object's prototype instead of a config field. */
const forbiddenKeys = new Set(['__proto__', 'constructor', 'prototype']);

function refuseForbiddenKeys(value: unknown, where: string): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (forbiddenKeys.has(key)) throw new TrainConfigError(`${where}: '${key}' is not a config field (it would reach an object's prototype)`);
    refuseForbiddenKeys(inner, where);
  }
}

/**
 * `'oneCycle.pctStart=0.3'` → sets that nested key; values are JSON when they parse, strings otherwise.
 * `__proto__`, `constructor` and `prototype` are refused anywhere in a key or a JSON value, and the result
 * is built from prototype-less objects, so no override can reach Object.prototype.
 */
export function applyOverrides(base: Record<string, unknown>, overrides: readonly string[]): Record<string, unknown> {
  const out = prototypeless(base) as Record<string, unknown>;
  for (const override of overrides) {
    const eq = override.indexOf('=');
    if (eq <= 0) throw new TrainConfigError(`override '${override}' must look like key=value (e.g. epochs=3 or augmentation.hflip=true)`);
    const keys = override.slice(0, eq).trim().split('.');
    const bad = keys.find((key) => forbiddenKeys.has(key) || key === '');
    if (bad !== undefined) {
      throw new TrainConfigError(`override '${override}': ${bad === '' ? 'an empty key segment' : `'${bad}'`} is not a config field; use dotted field names such as train.epochs=3`);
    }
    const raw = override.slice(eq + 1).trim();
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    refuseForbiddenKeys(value, `override '${override}'`);
    let node = out;
    for (const key of keys.slice(0, -1)) {
      const next = Object.hasOwn(node, key) ? node[key] : undefined;
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = Object.create(null) as Record<string, unknown>;
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1] as string] = prototypeless(value);
  }
  return out;
}

/** A deep copy whose objects have no prototype (arrays and primitives as they are). */
function prototypeless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prototypeless);
  if (typeof value !== 'object' || value === null) return value;
  refuseForbiddenKeys(value, 'config');
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, inner] of Object.entries(value)) copy[key] = prototypeless(inner);
  return copy;
}

/** Reads a JSON config (path may be undefined for all defaults), applies overrides, validates, and keeps the text. */
export async function loadTrainConfig(path: string | undefined, overrides: readonly string[] = []): Promise<LoadedTrainConfig> {
  let text = '';
  let base: Record<string, unknown> = {};
  if (path !== undefined) {
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new TrainConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
    }
    try {
      const json: unknown = parseJsonText(text);
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('the top level must be an object');
      base = json as Record<string, unknown>;
    } catch (error) {
      throw new TrainConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const config = parseTrainConfig(applyOverrides(base, overrides), path ?? 'config');
  const verbatim = overrides.length === 0 ? text : `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}# overrides: ${overrides.join(' ')}\n`;
  return { config, text, overrides: [...overrides], verbatim };
}
