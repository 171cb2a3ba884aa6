import { resolve } from 'node:path';
import { loadDatasetConfig, parseDatasetConfig, type DatasetConfig, type PatientIdKey } from '@leakproof/ingest';
import { patientKeyFor as experimentPatientKeyFor } from '@leakproof/experiment/patient-key';
import { experimentContext, type CliContext } from '../context.js';

/** `--config FILE` and/or `--preset NAME` → one validated dataset config (the flag overrides the file's preset). */
export async function datasetConfigFrom(ctx: CliContext, configFile: unknown, preset: unknown): Promise<Partial<DatasetConfig>> {
  const fromFile: Partial<DatasetConfig> = typeof configFile === 'string' ? await loadDatasetConfig(resolve(ctx.cwd, configFile)) : {};
  if (typeof preset !== 'string') return fromFile;
  return parseDatasetConfig({ ...fromFile, preset: typeof fromFile.preset === 'object' ? { ...fromFile.preset, name: preset } : preset }, `--preset ${preset}`);
}

/** The project's patient-ID key, resolved only when a dataset's IDs must be hashed (README of libs/ingest, "PHI"). */
export function patientKeyFor(ctx: CliContext): () => Promise<PatientIdKey> {
  return experimentPatientKeyFor(experimentContext(ctx));
}
