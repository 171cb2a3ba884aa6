import * as api from '@leakproof/core/api/mlflow';
import { parseFilter, parseOrderBy, type Registry } from '@leakproof/registry';
import type { FastifyInstance } from 'fastify';
import type { ServerDeps } from '../deps.js';
import { invalid, parseOr400 } from '../errors.js';
import { clientGone } from '../request-guards.js';
import { listRunArtifacts } from './artifact-files.js';
import { experimentOf, runOfSummary } from './convert.js';
import { existingRun, experimentById } from './ids.js';
import { input } from './input.js';

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function pageOffset(token: string | undefined): number {
  if (!token) return 0;
  const n = Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(n) || n < 0 || n > 100_000) throw invalid(`invalid page_token '${token}'`);
  return n;
}
const pageToken = (offset: number) => Buffer.from(String(offset)).toString('base64url');

/**
 * The client's filter and each order_by entry checked on their own before they are combined with the experiment
 * scope, so an error's column and excerpt are of what the client sent. (The registry's grammar knows MLflow's
 * names itself: start_time, end_time, run_name, ASC/DESC in any case.)
 */
function checkClientQuery(filter: string | undefined, orderBy: string[] | undefined): void {
  if (filter?.trim()) parseFilter(filter);
  for (const entry of orderBy ?? []) parseOrderBy(entry);
}

function checkMaxResults(max: number): void {
  if (!Number.isInteger(max) || max < 1) throw invalid(`Invalid value ${max} for parameter 'max_results' supplied. It must be a positive integer`);
  if (max > 50_000) throw invalid(`Invalid value ${max} for parameter 'max_results' supplied. It must be at most 50000`);
}

async function searchRuns(registry: Registry, body: ReturnType<typeof api.searchRunsSchema.parse>, signal: AbortSignal) {
  const max = body.max_results ?? 1000;
  checkMaxResults(max);
  checkClientQuery(body.filter, body.order_by);
  const offset = pageOffset(body.page_token);
  const experiments = await Promise.all((body.experiment_ids ?? []).map((id) => experimentById(registry, id)));
  const byName = new Map((await registry.listExperiments(100_000)).map((e) => [e.name, e.id]));
  const scope = experiments.length > 0 ? `(${experiments.map((e) => `attributes.experiment = ${quote(e.name)}`).join(' or ')})` : '';
  const filter = [scope, body.filter?.trim() ? `(${body.filter})` : ''].filter(Boolean).join(' and ');
  const view = body.run_view_type ?? 'ACTIVE_ONLY';
  const orderBy = body.order_by && body.order_by.length > 0 ? body.order_by.join(', ') : undefined;
  const includeArchived = view === 'DELETED_ONLY' ? 'only' : view === 'ALL';
  const found = await registry.queryRuns(filter, { limit: Math.min(offset + max + 1, 100_000), includeArchived, signal, ...(orderBy ? { orderBy } : {}) });
  const page = found.slice(offset, offset + max);
  return {
    runs: page.map((r) => runOfSummary(r, byName.get(r.experiment) ?? 0)),
    ...(found.length > offset + max ? { next_page_token: pageToken(offset + max) } : {}),
  };
}

/** runs/search (filter through the registry's filter language), experiments/search (name filters), artifacts/list. */
export function registerSearchRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { registry } = deps;
  app.post('/runs/search', async (request, reply) => searchRuns(registry, parseOr400(api.searchRunsSchema, input(request)), clientGone(request, reply)));
  const searchExperiments = async (raw: Record<string, unknown>) => {
    const body = parseOr400(api.searchExperimentsSchema, raw);
    const max = body.max_results ?? 1000;
    const offset = pageOffset(body.page_token);
    let all = await registry.listExperiments(100_000);
    const filter = body.filter?.trim();
    if (filter) {
      const m = /^(?:attributes\.)?name\s*(=|!=|LIKE|ILIKE)\s*'((?:[^'\\]|\\.)*)'$/i.exec(filter);
      if (!m) throw invalid(`experiments/search supports filters on the name only (name = '…', name LIKE '%…%'), got: ${filter}`);
      const value = (m[2] as string).replace(/\\(.)/g, '$1');
      const op = (m[1] as string).toUpperCase();
      const like = new RegExp(`^${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, op === 'ILIKE' ? 'i' : '');
      all = all.filter((e) => (op === '=' ? e.name === value : op === '!=' ? e.name !== value : like.test(e.name)));
    }
    const view = body.view_type ?? 'ACTIVE_ONLY';
    const visible = all.filter((e) => (view === 'ALL' ? true : view === 'DELETED_ONLY' ? e.archived : !e.archived));
    return {
      experiments: visible.slice(offset, offset + max).map(experimentOf),
      ...(visible.length > offset + max ? { next_page_token: pageToken(offset + max) } : {}),
    };
  };
  app.post('/experiments/search', async (request) => searchExperiments(input(request)));
  app.get('/experiments/search', async (request) => searchExperiments(input(request)));
  app.get('/artifacts/list', async (request) => {
    const q = parseOr400(api.listArtifactsSchema, input(request));
    const run = await existingRun(registry, q.run_id ?? q.run_uuid);
    const experiment = await registry.getExperimentByName(run.experiment);
    return listRunArtifacts(deps.cwd, run.id, experiment?.id ?? 0, q.path ?? '');
  });
}
