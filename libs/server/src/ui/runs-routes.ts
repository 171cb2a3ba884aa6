import { runsPageQuerySchema, UI_API_PREFIX, type RunsPage, type UiCompare, type UiMetricHistory } from '@leakproof/core';
import { FilterSyntaxError, parseFilter, type Registry } from '@leakproof/registry';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { flatParams, runDetail, runRow } from './serialise.js';
import { badRequest, notFound, parseId } from './replies.js';

/** A string literal of the filter language (single quotes, backslash escapes). */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

async function experimentNames(registry: Registry): Promise<string[]> {
  const result = (await registry.db.execute(sql`select name from experiments order by name limit 500`)) as unknown as { rows: { name: string }[] };
  return result.rows.map((r) => r.name);
}

/**
 * One page of runs, sorted and filtered in the database through `runs query`'s own code. The user's filter is
 * parsed alone first so an error's column points into what they typed; facets are ANDed on afterwards.
 */
export async function runsPage(registry: Registry, raw: unknown): Promise<RunsPage> {
  const q = runsPageQuerySchema.parse(raw);
  const started = performance.now();
  if (q.filter) parseFilter(q.filter);
  const parts = [
    q.filter ? `(${q.filter})` : '',
    q.experiment ? `attributes.experiment = ${literal(q.experiment)}` : '',
    q.status ? `attributes.status = ${literal(q.status)}` : '',
  ].filter(Boolean);
  const offset = q.page * q.pageSize;
  // the registry pages by limit; one extra row says whether a next page exists
  const found = await registry.queryRuns(parts.join(' and '), { orderBy: q.order, limit: offset + q.pageSize + 1, includeArchived: q.archived === 'include' });
  const rows = found.slice(offset, offset + q.pageSize).map(runRow);
  const keys = (pick: (r: (typeof rows)[number]) => string[]) => [...new Set(rows.flatMap(pick))].sort();
  return {
    rows,
    page: q.page,
    pageSize: q.pageSize,
    hasMore: found.length > offset + q.pageSize,
    keys: { metrics: keys((r) => Object.keys(r.metrics)), params: keys((r) => Object.keys(flatParams(r.params))), tags: keys((r) => Object.keys(r.tags)) },
    experiments: await experimentNames(registry),
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

export function registerRunRoutes(app: FastifyInstance, registry: Registry): void {
  app.get(`${UI_API_PREFIX}/runs`, async (request, reply) => {
    try {
      return await runsPage(registry, request.query);
    } catch (error) {
      if (error instanceof FilterSyntaxError) {
        return reply.code(400).send({ error_code: 'INVALID_PARAMETER_VALUE', message: error.message, column: error.column, hint: error.hint });
      }
      if (error instanceof z.ZodError) return badRequest(reply, error);
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>(`${UI_API_PREFIX}/runs/:id`, async (request, reply) => {
    const id = parseId(request.params.id);
    const run = id === undefined ? undefined : await registry.getRun(id);
    return run ? runDetail(run) : notFound(reply, `no run ${request.params.id}`);
  });

  app.get<{ Params: { id: string } }>(`${UI_API_PREFIX}/runs/:id/metrics`, async (request, reply): Promise<UiMetricHistory | undefined> => {
    const id = parseId(request.params.id);
    const run = id === undefined ? undefined : await registry.getRun(id);
    if (!run) return notFound(reply, `no run ${request.params.id}`);
    const series = await Promise.all(
      run.metrics.map(async (m) => ({
        key: m.key,
        points: (await registry.metricHistory(run.id, m.key)).map((p): [number, number | null] => [p.step, Number.isFinite(p.value) ? p.value : null]),
      })),
    );
    return { runId: run.id, status: run.status, series };
  });

  app.post<{ Params: { id: string } }>(`${UI_API_PREFIX}/runs/:id/archive`, async (request, reply) => {
    const id = parseId(request.params.id);
    const body = z.object({ archived: z.boolean() }).safeParse(request.body);
    if (!body.success) return badRequest(reply, body.error);
    if (id === undefined || !(await registry.getRun(id))) return notFound(reply, `no run ${request.params.id}`);
    await registry.archiveRun(id, body.data.archived);
    return { archived: body.data.archived };
  });

  app.get<{ Querystring: { ids?: string } }>(`${UI_API_PREFIX}/compare`, async (request, reply): Promise<UiCompare | undefined> => {
    const ids = [...new Set((request.query.ids ?? '').split(',').map((s) => parseId(s.trim())))];
    if (ids.some((id) => id === undefined) || ids.length < 2 || ids.length > 10) {
      return reply.code(400).send({ error_code: 'INVALID_PARAMETER_VALUE', message: 'compare takes 2 to 10 run ids: ?ids=3,4' });
    }
    const runs = await Promise.all(ids.map((id) => registry.getRun(id as number)));
    const missing = ids.filter((_, i) => !runs[i]);
    if (missing.length > 0) return notFound(reply, `no run ${missing.join(', ')}`);
    const details = runs.map((r) => runDetail(r as NonNullable<typeof r>));
    const flat = details.map((r) => flatParams(r.params));
    const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
    return { runs: details, differingParams: keys.filter((k) => new Set(flat.map((f) => f[k] ?? '\0absent')).size > 1) };
  });
}
