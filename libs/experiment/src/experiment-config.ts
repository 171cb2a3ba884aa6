import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseJsonText, thresholdRuleSchema, UsageError, type ThresholdRule } from '@leakproof/core';
import { DEFAULT_THRESHOLD_RULE } from '@leakproof/evaluator';
import { z } from 'zod';
import { applyOverrides, parseTrainConfig, trainConfigSchema, type TrainConfig } from '@leakproof/trainer';

/**
 * The file `leakproof train --config` reads: which dataset, how its splits are planned, how the threshold is
 * chosen, plus the trainer's own config under `train` (validated by the trainer's schema).
 */
export const experimentConfigSchema = z
  .object({
    dataset: z.object({
      root: z.string().min(1),
      /** ingest config (layout, ID rule, classes) as a path or inline */
      config: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    }),
    experiment: z.string().min(1).default('default'),
    name: z.string().optional(),
    positiveClass: z.string().default('PNEUMONIA'),
    splits: z
      .object({
        train: z.string().default('train'),
        /** used as-is when it has at least `minValImages` images and both classes; else carved from train */
        val: z.string().default('val'),
        test: z.string().default('test'),
        minValImages: z.number().int().positive().default(100),
        valFraction: z.number().gt(0).lt(0.5).default(0.15),
        /** carve a held-out part from train when the dataset has no test split */
        heldOutFraction: z.number().gt(0).lt(0.5).default(0.15),
        seed: z.number().int().default(1234),
      })
      .default({ train: 'train', val: 'val', test: 'test', minValImages: 100, valFraction: 0.15, heldOutFraction: 0.15, seed: 1234 }),
    /** evaluator threshold rule, chosen on validation only; default: the recipe's (`train.threshold`), else the evaluator's DEFAULT_THRESHOLD_RULE */
    threshold: thresholdRuleSchema.optional(),
    bootstrap: z
      .object({ replicates: z.number().int().min(100).default(1000), seed: z.number().int().default(7) })
      .default({ replicates: 1000, seed: 7 }),
    /** the trainer's config, inline or (in the file) the path of a recipe such as recipes/kermany-full.json */
    train: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ExperimentConfig = z.infer<typeof experimentConfigSchema>;

export interface LoadedExperimentConfig {
  config: ExperimentConfig;
  /** exactly what the user wrote plus overrides, recorded with the run */
  verbatim: string;
  path: string | null;
  /** the recipe file named by the experiment's `train`, when it names one */
  recipe: string | null;
}

export async function loadExperimentConfig(cwd: string, path: string | undefined, overrides: string[], base: Record<string, unknown> = {}): Promise<LoadedExperimentConfig> {
  let raw: Record<string, unknown> = base;
  let text = '';
  let abs: string | null = null;
  if (path) {
    abs = resolve(cwd, path);
    text = await readText(abs, 'config', 'pass an existing JSON file to --config');
    raw = parseJsonObject(text, `config ${abs}`);
  }
  const dir = abs ? dirname(abs) : cwd;
  const fromCommandLine = recipeOverride(overrides);
  const recipePath = fromCommandLine ? resolve(cwd, fromCommandLine.path) : typeof raw['train'] === 'string' ? resolve(dir, raw['train']) : null;
  const recipe = recipePath ? await loadRecipe(recipePath, fromCommandLine ? '--set train' : (abs ?? '(defaults)')) : null;
  if (recipe) raw = { ...raw, train: recipe.config };
  const merged = applyOverrides(raw, fromCommandLine?.rest ?? overrides);
  const parsed = experimentConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new UsageError(`config ${abs ?? '(defaults)'}: field '${field}': ${issue?.message}`, configFieldHint(issue));
  }
  const config = parsed.data;
  // dataset paths in a config file are relative to that file, so a config can travel with its repo
  config.dataset.root = resolve(dir, config.dataset.root);
  checkThresholdRules(config, abs ?? '(defaults)');
  checkPositiveClass(config, abs ?? '(defaults)', Object.hasOwn(merged, 'positiveClass'));
  const verbatim = JSON.stringify({ file: abs, text: text || null, ...(recipe ? { recipe: { file: recipe.path, text: recipe.text } } : {}), overrides }, null, 2);
  return { config, verbatim, path: abs, recipe: recipe?.path ?? null };
}

/**
 * `--set train=recipes/x.json` names a recipe as the file's "train" does (relative to where it was typed); it is
 * read first, so the other overrides (train.epochs=…) apply on top of it. `train={…}` stays an inline override.
 */
function recipeOverride(overrides: string[]): { path: string; rest: string[] } | undefined {
  const isTrain = (o: string) => /^\s*train\s*=/.test(o);
  const path = overrides.filter(isTrain).at(-1)?.replace(/^\s*train\s*=\s*/, '');
  if (path === undefined || path.startsWith('{')) return undefined;
  return { path, rest: overrides.filter((o) => !isTrain(o)) };
}

/**
 * The built-in trainer's config of an experiment, checked before the data is read or audited: a bad field is
 * named as the experiment spells it (train.imageSize), in the file it came from. Not part of loading, because
 * `leakproof run` hands `train` to an external trainer whose fields are its own.
 */
export function builtInTrainConfig(loaded: LoadedExperimentConfig): TrainConfig {
  const file = `config ${loaded.path ?? '(defaults)'}`;
  const source = loaded.recipe ? `recipe ${loaded.recipe} (named by 'train' in ${file})` : file;
  return parseTrainConfig({ positiveClass: loaded.config.positiveClass, ...loaded.config.train }, source, 'train.');
}

/**
 * Trainer fields given at the experiment's top level (`--set epochs=3`, the trainer's own spelling) are the
 * usual slip: name the `train.` prefix they need; any other field points at where the fields are listed.
 */
function configFieldHint(issue: z.core.$ZodIssue | undefined): string {
  const keys = issue?.code === 'unrecognized_keys' && issue.path.length === 0 ? issue.keys : [];
  const trainerKeys = keys.filter((key) => key in trainConfigSchema.shape);
  if (trainerKeys.length > 0) {
    return `trainer fields go under 'train': ${trainerKeys.map((key) => `--set train.${key}=…`).join(', ')} (or "train": { "${trainerKeys[0]}": … } in the file)`;
  }
  return 'the experiment fields are listed in README.md ("Using it on your data"); the train.* fields in libs/trainer/README.md';
}

/**
 * The rule that picks a run's threshold on validation: the experiment's `threshold`, else the one its
 * trainer config carries (a recipe's rule was chosen with the recipe, so it travels with it), else the
 * evaluator's default. A config naming two different rules never loads (checkThresholdRules); a run
 * recorded before that check keeps the experiment's rule, which is what it was evaluated with then.
 */
export function thresholdRuleOf(config: ExperimentConfig): ThresholdRule {
  const fromTrain = thresholdRuleSchema.safeParse(config.train['threshold']);
  return config.threshold ?? (fromTrain.success ? fromTrain.data : DEFAULT_THRESHOLD_RULE);
}

/** Refuses a recipe's `train.threshold` that is not a rule, or that differs from the experiment's `threshold`. */
function checkThresholdRules(config: ExperimentConfig, source: string): void {
  const fromTrain = config.train['threshold'];
  if (fromTrain === undefined) return;
  const parsed = thresholdRuleSchema.safeParse(fromTrain);
  if (!parsed.success) {
    throw new UsageError(`config ${source}: field 'train.threshold': ${parsed.error.issues[0]?.message} (got ${JSON.stringify(fromTrain)})`, `use e.g. { "rule": "target-recall", "target": 0.99 }, "max-f1" or "fixed"`);
  }
  if (config.threshold !== undefined && JSON.stringify(config.threshold) !== JSON.stringify(parsed.data)) {
    throw new UsageError(
      `config ${source}: 'threshold' ${JSON.stringify(config.threshold)} and the recipe's 'train.threshold' ${JSON.stringify(parsed.data)} name different rules`,
      "keep one of them (to change the recipe's rule: --set train.threshold.target=…)",
    );
  }
}

/** The model (train.positiveClass) and the evaluation of external predictions (positiveClass) must mean the same class. */
function checkPositiveClass(config: ExperimentConfig, source: string, namedByExperiment: boolean): void {
  const fromTrain = config.train['positiveClass'];
  if (fromTrain === undefined || fromTrain === config.positiveClass) return;
  if (namedByExperiment) {
    throw new UsageError(`config ${source}: 'positiveClass' '${config.positiveClass}' and 'train.positiveClass' '${String(fromTrain)}' name different classes`, 'keep one of them');
  }
  // only the recipe names it: the experiment follows, so training and evaluation agree
  if (typeof fromTrain === 'string') config.positiveClass = fromTrain;
}

/** A trainer config in its own file (a recipe), referenced by path from an experiment's `train`. */
async function loadRecipe(path: string, source: string): Promise<{ path: string; text: string; config: Record<string, unknown> }> {
  const text = await readText(path, `recipe named by 'train' in ${source}`, "make 'train' the path of a trainer config JSON file (relative to the experiment file) or the config object itself");
  return { path, text, config: parseJsonObject(text, `recipe ${path}`) };
}

async function readText(path: string, what: string, fix: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`, fix);
  }
}

function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`, 'fix the JSON syntax');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${what}: the top level must be a JSON object`, 'wrap the fields in { … }');
  return json as Record<string, unknown>;
}
