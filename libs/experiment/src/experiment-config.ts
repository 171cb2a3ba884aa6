import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { thresholdRuleSchema } from '@leakproof/core';
import { z } from 'zod';
import { applyOverrides } from '@leakproof/trainer';
import { UsageError } from '@leakproof/core';

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
    /** evaluator threshold rule, chosen on validation only; default: the evaluator's DEFAULT_THRESHOLD_RULE */
    threshold: thresholdRuleSchema.optional(),
    bootstrap: z
      .object({ replicates: z.number().int().min(100).default(1000), seed: z.number().int().default(7) })
      .default({ replicates: 1000, seed: 7 }),
    train: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type ExperimentConfig = z.infer<typeof experimentConfigSchema>;

export interface LoadedExperimentConfig {
  config: ExperimentConfig;
  /** exactly what the user wrote plus overrides, recorded with the run */
  verbatim: string;
  path: string | null;
}

export async function loadExperimentConfig(cwd: string, path: string | undefined, overrides: string[], base: Record<string, unknown> = {}): Promise<LoadedExperimentConfig> {
  let raw: Record<string, unknown> = base;
  let text = '';
  let abs: string | null = null;
  if (path) {
    abs = resolve(cwd, path);
    try {
      text = await readFile(abs, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read config ${abs}: ${(error as Error).message}`, 'pass an existing JSON file to --config');
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`config ${abs} is not valid JSON: ${(error as Error).message}`, 'fix the JSON syntax');
    }
  }
  const merged = applyOverrides(raw, overrides);
  const parsed = experimentConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new UsageError(`config ${abs ?? '(defaults)'}: field '${field}': ${issue?.message}`, 'see README "Training config" for the fields');
  }
  const config = parsed.data;
  // dataset paths in a config file are relative to that file, so a config can travel with its repo
  config.dataset.root = resolve(abs ? dirname(abs) : cwd, config.dataset.root);
  const verbatim = JSON.stringify({ file: abs, text: text || null, overrides }, null, 2);
  return { config, verbatim, path: abs };
}
