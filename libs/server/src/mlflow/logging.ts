import { LOG_BATCH_LIMITS, type logBatchSchema } from '@leakproof/core/api/mlflow';
import type { MetricEntry, Registry, RunRecord } from '@leakproof/registry';
import type { z } from 'zod';
import { invalid } from '../errors.js';
import { flatParams } from './convert.js';
import { runningRun } from './ids.js';

const maxStep = 2_147_483_647;

/** MLflow steps are int64; the registry keeps 0…2^31-1 (refused outside, never wrapped). Client timestamps are not kept: the server's time is. */
export function toMetricEntry(m: { key: string; value: number; step: number }): MetricEntry {
  if (!Number.isInteger(m.step) || m.step < 0 || m.step > maxStep) throw invalid(`metric '${m.key}': step must be a whole number from 0 to ${maxStep}, got ${m.step}`);
  return { key: m.key, step: m.step, value: m.value };
}

/**
 * MLflow params are strings, the run's own (its config's) may be numbers or nested objects: a key the run has is
 * compared as runs/get shows it (`12`, `opt.name`), fine again with that value and refused with another. Only
 * new keys go to the registry.
 */
export function newParams(run: RunRecord, params: Record<string, string>): Record<string, string> {
  const logged = new Map(flatParams(run.params).map((p) => [p.key, p.value]));
  const fresh: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const before = logged.get(key);
    if (before === undefined) fresh[key] = value;
    else if (before !== value) throw invalid(`param '${key}' of run ${run.id} was already logged with value '${before}', not '${value}'; params never change`, 'start a new run, or log the new value under another key');
  }
  return fresh;
}

function checkLimits(body: z.output<typeof logBatchSchema>): void {
  const metrics = body.metrics?.length ?? 0;
  const params = body.params?.length ?? 0;
  const tags = body.tags?.length ?? 0;
  const over = (what: string, limit: number, got: number) =>
    invalid(`A batch logging request can contain at most ${limit} ${what}. Got ${got} ${what}. Please split up ${what} across multiple requests and try again.`);
  if (metrics > LOG_BATCH_LIMITS.metrics) throw over('metrics', LOG_BATCH_LIMITS.metrics, metrics);
  if (params > LOG_BATCH_LIMITS.params) throw over('params', LOG_BATCH_LIMITS.params, params);
  if (tags > LOG_BATCH_LIMITS.tags) throw over('tags', LOG_BATCH_LIMITS.tags, tags);
  if (metrics + params + tags > LOG_BATCH_LIMITS.total) {
    throw invalid(`A batch logging request can contain at most ${LOG_BATCH_LIMITS.total} metrics, params, and tags in total. Got ${metrics + params + tags}. Please split up the data across multiple requests and try again.`);
  }
}

export const RUN_NAME_TAG = 'mlflow.runName';

/** Sets a tag; `mlflow.runName` also renames the run, as MLflow's own store does (run_name follows the tag). */
export async function setRunTag(registry: Registry, run: RunRecord, key: string, value: string): Promise<void> {
  if (key === RUN_NAME_TAG && value !== run.name) {
    if (value.trim() === '') throw invalid(`tag '${RUN_NAME_TAG}' names the run and cannot be empty`);
    await registry.renameRun(run.id, value);
  }
  await registry.setTag(run.id, key, value);
}

/** runs/log-batch: params, then metrics (one statement), then tags; validated whole before anything is written. */
export async function logBatch(registry: Registry, body: z.output<typeof logBatchSchema>): Promise<void> {
  checkLimits(body);
  const entries = (body.metrics ?? []).map(toMetricEntry);
  const params: Record<string, string> = {};
  for (const p of body.params ?? []) {
    if (p.key in params && params[p.key] !== p.value) throw invalid(`Duplicate parameter keys have been submitted: '${p.key}' with different values`);
    params[p.key] = p.value;
  }
  if ((body.tags ?? []).some((t) => t.key.startsWith('leakproof.'))) throw invalid('tags leakproof.* record lineage and are set by leakproof only');
  const run = await runningRun(registry, body.run_id);
  const fresh = newParams(run, params);
  if (Object.keys(fresh).length > 0) await registry.logParams(run.id, fresh);
  if (entries.length > 0) await registry.logMetrics(run.id, entries);
  // the last value for a repeated key wins, as MLflow documents
  for (const [key, value] of new Map((body.tags ?? []).map((t) => [t.key, t.value]))) await setRunTag(registry, run, key, value);
}
