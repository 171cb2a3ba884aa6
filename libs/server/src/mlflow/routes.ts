import { boundCommandBackend, mlflowClientBackend } from '@leakproof/core';
import * as api from '@leakproof/core/api/mlflow';
import type { Registry, RunRecord } from '@leakproof/registry';
import type { FastifyInstance } from 'fastify';
import { jsonBodyLimit } from '../body-limits.js';
import type { ServerDeps } from '../deps.js';
import { ApiError, invalid, notFound, parseOr400 } from '../errors.js';
import { experimentOf, runInfoOf, runOf } from './convert.js';
import { DEFAULT_EXPERIMENT, existingRun, experimentById, parseRunId, runRefOf, runningRun } from './ids.js';
import { AUDIT_TAG, resolveRunAudit } from './lineage.js';
import { logBatch, newParams, RUN_NAME_TAG, setRunTag, toMetricEntry } from './logging.js';
import { input } from './input.js';
import { registerSearchRoutes } from './search.js';

async function experimentIdOf(registry: Registry, name: string): Promise<number> {
  const e = await registry.getExperimentByName(name);
  if (!e) throw notFound(`experiment '${name}' does not exist`);
  return e.id;
}

async function runResponse(registry: Registry, raw: string | undefined) {
  const id = parseRunId(raw);
  const run = await registry.getRun(id);
  if (!run) throw notFound(`Run with id=${raw} not found`);
  return { run: runOf(run, await experimentIdOf(registry, run.experiment)) };
}

/**
 * A run `leakproof run` bound ends when its command exits, with the status of that exit: the command's own
 * end_run() (sent on leaving `with mlflow.start_run()`, after which the script may still fail) is kept as a tag.
 */
async function endRun(registry: Registry, run: RunRecord, reported: string, final: 'finished' | 'failed' | 'interrupted'): Promise<RunRecord> {
  if (run.backend !== boundCommandBackend) return registry.finishRun(run.id, final);
  await registry.setTag(run.id, 'leakproof.reported_status', reported);
  return run;
}

function registerExperimentRoutes(app: FastifyInstance, registry: Registry): void {
  app.post('/experiments/create', async (request) => {
    const body = parseOr400(api.createExperimentSchema, input(request));
    if (await registry.getExperimentByName(body.name)) throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment '${body.name}' already exists.`);
    const experiment = await registry.getOrCreateExperiment(body.name);
    return { experiment_id: String(experiment.id) };
  });
  app.get('/experiments/get', async (request) => {
    const q = parseOr400(api.getExperimentSchema, input(request));
    return { experiment: experimentOf(await experimentById(registry, q.experiment_id)) };
  });
  app.get('/experiments/get-by-name', async (request) => {
    const q = parseOr400(api.getExperimentByNameSchema, input(request));
    const found = q.experiment_name === DEFAULT_EXPERIMENT ? await registry.getOrCreateExperiment(DEFAULT_EXPERIMENT) : await registry.getExperimentByName(q.experiment_name);
    if (!found) throw notFound(`Could not find experiment with name '${q.experiment_name}'`);
    return { experiment: experimentOf(found) };
  });
}

function registerRunRoutes(app: FastifyInstance, registry: Registry): void {
  app.post('/runs/create', async (request) => {
    const body = parseOr400(api.createRunSchema, input(request));
    const experiment = await experimentById(registry, body.experiment_id ?? '0');
    const tags = Object.fromEntries((body.tags ?? []).map((t) => [t.key, t.value]));
    const audit = await resolveRunAudit(registry, tags);
    const name = body.run_name || tags['mlflow.runName'] || `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const run = await registry.createRun({ experiment: experiment.name, name, auditId: audit.id, params: {}, backend: mlflowClientBackend });
    const finalTags: Record<string, string> = { ...tags, [AUDIT_TAG]: String(audit.id), 'mlflow.runName': name, ...(body.user_id ? { 'mlflow.user': body.user_id } : {}) };
    for (const [key, value] of Object.entries(finalTags)) await registry.setTag(run.id, key, value);
    return runResponse(registry, String(run.id));
  });
  app.get('/runs/get', async (request) => runResponse(registry, runRefOf(parseOr400(api.getRunSchema, input(request)))));
  app.post('/runs/update', async (request) => {
    const body = parseOr400(api.updateRunSchema, input(request));
    let run = await existingRun(registry, runRefOf(body));
    // MlflowClient.update_run(name=…): renamed while it runs, like its tag; a finished run is frozen (400)
    if (body.run_name && body.run_name !== run.name) {
      await setRunTag(registry, await runningRun(registry, String(run.id)), RUN_NAME_TAG, body.run_name);
      run = await existingRun(registry, String(run.id));
    }
    const final = body.status === 'FINISHED' ? 'finished' : body.status === 'FAILED' ? 'failed' : body.status === 'KILLED' ? 'interrupted' : undefined;
    // finishing twice keeps the first end: a closed record does not move
    if (final && run.status === 'running') run = await endRun(registry, run, body.status as string, final);
    const tags = (await registry.getRun(run.id))?.tags ?? {};
    return { run_info: runInfoOf({ ...run, tags }, await experimentIdOf(registry, run.experiment)) };
  });
  for (const [path, schema, archived] of [
    ['/runs/delete', api.deleteRunSchema, true],
    ['/runs/restore', api.restoreRunSchema, false],
  ] as const) {
    app.post(path, async (request) => {
      const run = await existingRun(registry, parseOr400(schema, input(request)).run_id);
      await registry.archiveRun(run.id, archived);
      return {};
    });
  }
  app.post('/runs/log-metric', async (request) => {
    const body = parseOr400(api.logMetricSchema, input(request));
    const run = await runningRun(registry, runRefOf(body));
    await registry.logMetrics(run.id, [toMetricEntry(body)]);
    return {};
  });
  app.post('/runs/log-parameter', async (request) => {
    const body = parseOr400(api.logParamSchema, input(request));
    const run = await runningRun(registry, runRefOf(body));
    const fresh = newParams(run, { [body.key]: body.value });
    if (Object.keys(fresh).length > 0) await registry.logParams(run.id, fresh);
    return {};
  });
  app.post('/runs/log-batch', async (request) => {
    const body = parseOr400(api.logBatchSchema, input(request));
    await logBatch(registry, body);
    return {};
  });
  app.post('/runs/set-tag', async (request) => {
    const body = parseOr400(api.setTagSchema, input(request));
    const run = await runningRun(registry, runRefOf(body));
    if (body.key.startsWith('leakproof.')) throw invalid(`tag '${body.key}' records lineage and is set by leakproof only`);
    await setRunTag(registry, run, body.key, body.value);
    return {};
  });
  app.post('/runs/delete-tag', async (request) => {
    const body = parseOr400(api.deleteTagSchema, input(request));
    const run = await runningRun(registry, body.run_id);
    await registry.deleteTag(run.id, body.key);
    return {};
  });
  app.get('/metrics/get-history', async (request) => {
    const q = parseOr400(api.getMetricHistorySchema, input(request));
    const run = await existingRun(registry, runRefOf(q));
    const points = await registry.metricHistory(run.id, q.metric_key);
    const offset = q.page_token ? Number(Buffer.from(q.page_token, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalid(`invalid page_token '${q.page_token}'`);
    const max = q.max_results ?? 25_000;
    if (!Number.isInteger(max) || max < 1 || max > 25_000) throw invalid(`max_results must be between 1 and 25000, got ${max}`);
    const page = points.slice(offset, offset + max);
    const more = offset + max < points.length;
    return {
      metrics: page.map((p) => ({ key: q.metric_key, value: p.value, timestamp: p.loggedAt.getTime(), step: p.step })),
      ...(more ? { next_page_token: Buffer.from(String(offset + max)).toString('base64url') } : {}),
    };
  });
}

/** MLflow's tracking API, under both the documented /api prefix and the /ajax-api prefix its web UI uses. */
export async function registerMlflowRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  for (const prefix of api.MLFLOW_PREFIXES) {
    await app.register(
      async (scope) => {
        scope.addHook('onRoute', (route) => {
          route.bodyLimit ??= jsonBodyLimit;
        });
        registerExperimentRoutes(scope, deps.registry);
        registerRunRoutes(scope, deps.registry);
        registerSearchRoutes(scope, deps);
      },
      { prefix },
    );
  }
}
