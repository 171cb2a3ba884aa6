import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseJsonText } from '@leakproof/core';
import { DEFAULT_MAX_PIXELS } from './decode-types.js';
import { presetConfigSchema } from './presets/preset-config.js';
import type { IdRule } from './patient-id.js';
import { IngestUserError } from './user-error.js';

const regexRuleSchema = z
  .object({ regex: z.string().min(1) })
  .strict()
  .superRefine((rule, ctx) => {
    let re: RegExp;
    try {
      re = new RegExp(rule.regex);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: `not a valid regular expression: ${(error as Error).message}` });
      return;
    }
    if (!re.source.includes('(?<patient>')) ctx.addIssue({ code: 'custom', path: ['regex'], message: 'needs a named group (?<patient>…)' });
  });

export const idRuleSchema = z.union([z.enum(['kermany', 'kermany-strict', 'csv', 'folder', 'dicom']), regexRuleSchema]);

export const csvLayoutSchema = z
  .object({
    /** the CSV file, relative to the dataset root (or absolute) */
    file: z.string().min(1),
    columns: z
      .object({
        path: z.string().default('path'),
        label: z.string().default('label'),
        split: z.string().default('split'),
        patient: z.string().default('patient'),
      })
      .strict()
      .default({ path: 'path', label: 'label', split: 'split', patient: 'patient' }),
  })
  .strict();

export const datasetConfigSchema = z
  .object({
    layout: z.enum(['folders', 'csv']).default('folders'),
    /** required when layout is csv */
    csv: csvLayoutSchema.optional(),
    /** allowed classes; default: the class folders present in every split */
    classes: z.array(z.string().min(1)).min(1).optional(),
    /** default: kermany for folders, csv for csv */
    idRule: idRuleSchema.optional(),
    maxPixels: z.number().int().positive().default(DEFAULT_MAX_PIXELS),
    /** extra folder/CSV split names → canonical split, e.g. { "holdout": "test" } */
    splitAliases: z.record(z.string(), z.string().min(1)).default({}),
    /** a public chest X-ray set's own layout and label files (see presets/); replaces layout and csv */
    preset: presetConfigSchema.optional(),
    /**
     * `keyed-hash`: every patient ID (and DICOM Study/Series UID) is replaced by an HMAC with the project
     * key; `pseudonymous`: the IDs are already pseudonyms and are kept. Default: hash IDs read from DICOM
     * tags or a CSV column, keep IDs derived from the path (the path is printed anyway) and presets' IDs.
     */
    patientIds: z.enum(['keyed-hash', 'pseudonymous']).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.preset && (config.layout !== 'folders' || config.csv)) ctx.addIssue({ code: 'custom', path: ['preset'], message: 'a preset brings its own layout: drop "layout" and "csv"' });
    if (config.preset && config.idRule) ctx.addIssue({ code: 'custom', path: ['idRule'], message: 'a preset brings its own patient IDs: drop "idRule"' });
    if (config.layout === 'csv' && !config.csv) ctx.addIssue({ code: 'custom', path: ['csv'], message: 'layout "csv" needs csv: { file, columns }' });
    if (config.idRule === 'csv' && config.layout !== 'csv') ctx.addIssue({ code: 'custom', path: ['idRule'], message: 'idRule "csv" needs layout "csv"' });
  });

export type DatasetConfig = z.infer<typeof datasetConfigSchema>;
/** what a caller may pass (defaults not yet filled in; `preset` may be a bare name) */
export type DatasetConfigInput = z.input<typeof datasetConfigSchema>;

export function resolvedIdRule(config: DatasetConfig): IdRule {
  return config.idRule ?? (config.layout === 'csv' || config.preset ? 'csv' : 'kermany');
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`).join('; ');
}

/** Validates a config object (defaults filled in); throws a user-facing error naming the field. */
export function parseDatasetConfig(input: unknown, source = 'dataset config'): DatasetConfig {
  const parsed = datasetConfigSchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new IngestUserError(`${source} is invalid: ${describeIssues(parsed.error)}`, 'fix the field named above; see libs/ingest/README.md for every option');
  }
  return parsed.data;
}

export async function loadDatasetConfig(path: string): Promise<DatasetConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new IngestUserError(`cannot read dataset config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'pass an existing JSON file with --config');
  }
  let json: unknown;
  try {
    json = parseJsonText(text);
  } catch (error) {
    throw new IngestUserError(`dataset config ${path} is not valid JSON: ${(error as Error).message}`, 'fix the JSON syntax');
  }
  return parseDatasetConfig(json, `dataset config ${path}`);
}
