import { resolvePatientIdKey, type PatientIdKey } from '@leakproof/ingest';
import type { ExperimentContext } from './context.js';

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
