import { LOG_BATCH_LIMITS, type logBatchSchema } from '@leakproof/core/api/mlflow';
import type { MetricEntry, Registry } from '@leakproof/registry';
import type { z } from 'zod';
import { invalid } from '../errors.js';
import { runningRun } from './ids.js';

const maxStep = 2_147_483_647;

/** MLflow steps are int64; the registry keeps 0…2^31-1 (refused outside, never wrapped). Client timestamps are not kept: the server's time is. */
export function toMetricEntry(m: { key: string; value: number; step: number }): MetricEntry {
  if (!Number.isInteger(m.step) || m.step < 0 || m.step > maxStep) throw invalid(`metric '${m.key}': step must be a whole number from 0 to ${maxStep}, got ${m.step}`);
  return { key: m.key, step: m.step, value: m.value };
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
  if (Object.keys(params).length > 0) await registry.logParams(run.id, params);
  if (entries.length > 0) await registry.logMetrics(run.id, entries);
  // the last value for a repeated key wins, as MLflow documents
  for (const [key, value] of new Map((body.tags ?? []).map((t) => [t.key, t.value]))) await registry.setTag(run.id, key, value);
}
