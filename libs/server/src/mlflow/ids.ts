import type { ExperimentRecord, Registry, RunRecord } from '@leakproof/registry';
import { ApiError, invalid, notFound } from '../errors.js';

/** MLflow's run ids are strings; ours are the registry's integer ids in plain decimal, nothing else. */
export function parseRunId(raw: string | undefined): number {
  if (raw === undefined || raw === '') throw invalid("missing value for required parameter 'run_id'");
  if (!/^[1-9][0-9]{0,9}$/.test(raw) || Number(raw) > 2_147_483_647) {
    throw notFound(`Run with id=${raw} not found`, 'run ids of this server are the registry\'s run numbers (see `leakproof runs list`); a run of another tracking store is not here');
  }
  return Number(raw);
}

/** MLflow's experiment "0" is its default experiment: here the registry experiment named 'Default'. */
export const DEFAULT_EXPERIMENT = 'Default';

export async function experimentById(registry: Registry, raw: string): Promise<ExperimentRecord> {
  if (raw === '0') return registry.getOrCreateExperiment(DEFAULT_EXPERIMENT);
  const found = /^[1-9][0-9]{0,9}$/.test(raw) && Number(raw) <= 2_147_483_647 ? await registry.getExperiment(Number(raw)) : undefined;
  if (!found) throw notFound(`No Experiment with id=${raw} exists`);
  return found;
}

export async function existingRun(registry: Registry, raw: string | undefined): Promise<RunRecord> {
  const id = parseRunId(raw);
  const run = await registry.getRunRecord(id);
  if (!run) throw notFound(`Run with id=${raw} not found`, 'run ids of this server are the registry\'s run numbers (see `leakproof runs list`)');
  return run;
}

/** Writes go to running runs only: a finished, failed or interrupted run is a closed record. */
export async function runningRun(registry: Registry, raw: string | undefined): Promise<RunRecord> {
  const run = await existingRun(registry, raw);
  if (run.archived) throw invalid(`The run ${run.id} must be in the 'active' state. Current state is deleted.`);
  if (run.status !== 'running') {
    throw new ApiError(400, 'INVALID_PARAMETER_VALUE', `run ${run.id} is ${run.status}; only a running run accepts metrics, params, tags and artifacts`, 'start a new run (`leakproof run -- <command>`)');
  }
  return run;
}

export function runRefOf(body: { run_id?: string | undefined; run_uuid?: string | undefined }): string | undefined {
  return body.run_id ?? body.run_uuid;
}
