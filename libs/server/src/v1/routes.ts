import * as v1 from '@leakproof/core/api/v1';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerDeps } from '../deps.js';
import { invalid, notFound, parseOr400 } from '../errors.js';
import { clientGone } from '../request-guards.js';

const version = '0.1.0';

function idParam(request: FastifyRequest, name = 'id'): number {
  const raw = (request.params as Record<string, string>)[name];
  if (!raw || !/^[1-9][0-9]{0,9}$/.test(raw) || Number(raw) > 2_147_483_647) throw notFound(`no ${name === 'id' ? 'record' : name} '${raw}'`);
  return Number(raw);
}

const found = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw notFound(`${what} does not exist`);
  return value;
};

const body = (request: FastifyRequest): unknown => {
  if (request.body === undefined || request.body === null) return {};
  if (typeof request.body !== 'object' || Array.isArray(request.body)) throw invalid('the request body must be a JSON object');
  return request.body;
};

/**
 * Leakproof's own API: one endpoint per registry operation (the RegistryApi interface), documented in
 * libs/server/README.md. Requests are strict (unknown fields are refused); runs, audits, evaluations and
 * artifacts are validated by the registry's own input schemas.
 */
export async function registerV1Routes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const r = deps.registry;
  await app.register(
    async (s) => {
      s.get('/health', async () => ({ ok: true, store: deps.store, version, pid: process.pid }));

      // audits
      s.post('/audits', async (q) => ({ audit: await r.recordAudit(body(q) as never) }));
      s.get('/audits', async (q) => ({ audits: await r.listAudits(parseOr400(v1.limitQuerySchema, q.query).limit) }));
      s.get('/audits/:id', async (q) => ({ audit: found(await r.getAudit(idParam(q)), 'audit') }));
      s.get('/audits/:id/detail', async (q) => ({ audit: found(await r.getAuditDetail(idParam(q)), 'audit') }));
      s.get('/audits/passing/:fingerprint', async (q) => ({ audit: (await r.findPassingAudit((q.params as { fingerprint: string }).fingerprint)) ?? null }));
      s.get('/audits/latest/:ref', async (q) => ({ audit: (await r.latestAudit((q.params as { ref: string }).ref)) ?? null }));

      // experiments
      s.post('/experiments', async (q) => ({ experiment: await r.getOrCreateExperiment(parseOr400(v1.experimentCreateRequestSchema, body(q)).name) }));
      s.get('/experiments', async (q) => ({ experiments: await r.listExperiments(parseOr400(v1.limitQuerySchema, q.query).limit) }));
      s.get('/experiments/:id', async (q) => ({ experiment: (await r.getExperiment(idParam(q))) ?? null }));
      s.get('/experiments/by-name/:name', async (q) => ({ experiment: (await r.getExperimentByName((q.params as { name: string }).name)) ?? null }));

      // runs
      s.get('/runs', async (q) => {
        const query = parseOr400(v1.runsListQuerySchema, q.query);
        return { runs: await r.listRuns({ ...(query.limit ? { limit: query.limit } : {}), includeArchived: query.all === 'true' }) };
      });
      s.get('/runs/count', async (q) => ({ count: await r.countRuns({ includeArchived: (q.query as { all?: string }).all === 'true' }) }));
      s.post('/runs/query', async (q, reply) => {
        const req = parseOr400(v1.runsQueryRequestSchema, body(q));
        return { runs: await r.queryRuns(req.filter, { ...(req.orderBy ? { orderBy: req.orderBy } : {}), ...(req.limit ? { limit: req.limit } : {}), includeArchived: req.includeArchived ?? false, signal: clientGone(q, reply) }) };
      });
      s.post('/runs', async (q) => ({ run: await r.createRun(body(q) as never) }));
      s.get('/runs/:id', async (q) => ({ run: (await r.getRun(idParam(q))) ?? null }));
      s.get('/runs/:id/record', async (q) => ({ run: (await r.getRunRecord(idParam(q))) ?? null }));
      s.post('/runs/:id/resume', async (q) => ({ run: await r.resumeRun(idParam(q)) }));
      s.post('/runs/:id/finish', async (q) => ({ run: await r.finishRun(idParam(q), parseOr400(v1.finishRunRequestSchema, body(q)).status) }));
      s.post('/runs/:id/heartbeat', async (q) => (await r.heartbeat(idParam(q)), {}));
      s.post('/runs/:id/archive', async (q) => (await r.archiveRun(idParam(q), parseOr400(v1.archiveRequestSchema, body(q)).archived), {}));
      s.post('/runs/:id/metrics', async (q) => (await r.logMetrics(idParam(q), parseOr400(v1.logMetricsRequestSchema, body(q)).entries), {}));
      s.get('/runs/:id/metrics', async (q) => ({ metrics: await r.metricSummaries(idParam(q)) }));
      s.get('/runs/:id/metrics/:key/history', async (q) => ({ points: await r.metricHistory(idParam(q), (q.params as { key: string }).key) }));
      s.post('/runs/:id/params', async (q) => (await r.logParams(idParam(q), parseOr400(v1.logParamsRequestSchema, body(q)).params), {}));
      s.put('/runs/:id/tags/:key', async (q) => (await r.setTag(idParam(q), (q.params as { key: string }).key, parseOr400(v1.setTagRequestSchema, body(q)).value), {}));
      s.delete('/runs/:id/tags/:key', async (q) => (await r.deleteTag(idParam(q), (q.params as { key: string }).key), {}));

      // evaluations and artifacts
      s.post('/evaluations', async (q) => ({ evaluation: await r.recordEvaluation(body(q) as never) }));
      s.get('/evaluations/history', async (q) => {
        const query = parseOr400(v1.evaluationHistoryQuerySchema, q.query);
        const metrics = query.metrics ? query.metrics.split(',').filter(Boolean) : undefined;
        return { evaluations: await r.evaluationHistory({ fingerprintPrefix: query.fingerprint, ...(metrics ? { metrics } : {}) }) };
      });
      s.post('/artifacts', async (q) => ({ artifact: await r.addArtifact(body(q) as never) }));
      s.post('/maintenance/mark-interrupted', async (q) => ({ ids: await r.markInterruptedRuns(parseOr400(v1.markInterruptedRequestSchema, body(q)).staleAfterMs) }));
    },
    { prefix: v1.API_V1_PREFIX },
  );
}
