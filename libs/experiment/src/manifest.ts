import { join } from 'node:path';
import { buildManifest, loadDatasetConfig, parseDatasetConfig, resolvePatientIdKey, type Manifest, type PatientIdKey } from '@leakproof/ingest';
import type { ExperimentContext } from './context.js';
import type { ExperimentConfig } from './experiment-config.js';

/** The experiment's dataset as it is on disk now (hash cache under .leakproof/cache). */
export async function loadManifest(ctx: ExperimentContext, config: ExperimentConfig): Promise<Manifest> {
  const { dataset } = config;
  const dsConfig = typeof dataset.config === 'string' ? await loadDatasetConfig(dataset.config) : dataset.config ? parseDatasetConfig(dataset.config) : {};
  return buildManifest(dataset.root, dsConfig, { cacheDir: join(ctx.cwd, '.leakproof', 'cache'), patientIdKey: patientKeyFor(ctx) });
}

/** The project's patient-ID key, resolved only when a dataset's IDs must be hashed (README of libs/ingest, "PHI"). */
export function patientKeyFor(ctx: ExperimentContext): () => Promise<PatientIdKey> {
  return async () => {
    const key = await resolvePatientIdKey(ctx.cwd, ctx.env);
    if (key.created) {
      ctx.log(`generated the patient-ID key ${key.source} (${key.id}): patient IDs in reports and the registry are keyed hashes under it.`);
      ctx.log('  keep it (fingerprints of DICOM/CSV-ID datasets depend on it); in CI set LEAKPROOF_PATIENT_ID_KEY to the same key as a secret.');
    }
    return key;
  };
}
