import { sql, type SQL } from 'drizzle-orm';
import { rows, type RegistryDb } from './db.js';
import { translateDbError } from './errors.js';
import type { OrderTerm } from './filter/ast.js';
import { compileFilter, compileOrder, type CompiledOrder } from './filter/compile.js';
import { parseFilter, parseOrderBy } from './filter/parse.js';
import type { RunStatus } from './inputs.js';
import { isRunDead } from './liveness.js';
import type { EvaluationHistoryRow, MetricWithInterval, RunSummary } from './records.js';

export interface QueryOptions {
  /** e.g. "metrics.recall desc, attributes.created"; default newest first */
  orderBy?: string;
  limit?: number;
  includeArchived?: boolean;
  /** abandons the query between its statements when the caller goes away (e.g. an HTTP client disconnects) */
  signal?: AbortSignal;
}

interface SummaryRow {
  id: number;
  experiment: string;
  name: string;
  status: RunStatus;
  model: string | null;
  backend: string | null;
  seed: string | number | null;
  audit_id: number;
  dataset_name: string;
  fingerprint: string;
  created_at: Date;
  finished_at: Date | null;
  archived: boolean;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

const sortKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Loads summaries for ids (in that order): two indexed lookups, however large the registry. */
async function summaries(db: RegistryDb, ids: number[]): Promise<RunSummary[]> {
  if (ids.length === 0) return [];
  const idList = sql.join(
    ids.map((id) => sql`${id}::int`),
    sql`, `,
  );
  // one round trip: metrics and tags come as JSON objects through their (run_id, key) primary keys
  // (json, not jsonb: the keys are unique and sorted here, so jsonb's parse-and-sort is wasted work)
  const runRows = await rows<SummaryRow>(
    db,
    sql`select r.id, e.name as experiment, r.name, r.status, r.model, r.backend, r.seed, r.audit_id, d.name as dataset_name,
               a.fingerprint, r.created_at, r.finished_at, r.archived, r.params,
               (select coalesce(json_object_agg(s.key, s.last_value), '{}') from metric_summaries s where s.run_id = r.id) as metrics,
               (select coalesce(json_object_agg(t.key, t.value), '{}') from tags t where t.run_id = r.id) as tags
        from runs r join experiments e on e.id = r.experiment_id join audits a on a.id = r.audit_id join datasets d on d.id = a.dataset_id
        where r.id in (${idList})`,
  );
  const byId = new Map(runRows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        id: r.id,
        experiment: r.experiment,
        name: r.name,
        status: r.status,
        model: r.model,
        backend: r.backend,
        seed: r.seed === null ? null : Number(r.seed),
        auditId: r.audit_id,
        datasetName: r.dataset_name,
        fingerprint: r.fingerprint,
        createdAt: new Date(r.created_at),
        finishedAt: r.finished_at ? new Date(r.finished_at) : null,
        archived: r.archived,
        params: r.params,
        // json renders NaN and ±Infinity as strings
        metrics: sortKeys(Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, Number(v)]))),
        tags: sortKeys(r.tags),
      },
    ];
  });
}

async function selectRunIds(db: RegistryDb, where: SQL, order: CompiledOrder, limit: number, includeArchived: boolean): Promise<number[]> {
  const archived = includeArchived ? sql`true` : sql`not r.archived`;
  const found = await rows<{ id: number }>(
    db,
    sql`select r.id from runs r join experiments e on e.id = r.experiment_id ${order.joins}
        where ${archived} and ${where} order by ${order.orderBy} limit ${limit}`,
  );
  return found.map((r) => r.id);
}

/**
 * Ordered by a metric: first the runs that have it, in the order of its (key, value) index, then, if the
 * limit is not reached, the runs without it (nulls last) - rather than joining every run to sort them all.
 */
async function selectOrdered(db: RegistryDb, where: SQL, terms: OrderTerm[], limit: number, includeArchived: boolean): Promise<number[]> {
  const first = terms[0];
  if (!first || first.field.scope !== 'metrics' || first.field.aggregate === 'avg') return selectRunIds(db, where, compileOrder(terms), limit, includeArchived);
  const having = await selectRunIds(db, where, compileOrder(terms, { innerJoinFirst: true }), limit, includeArchived);
  if (having.length >= limit) return having;
  const lacking = sql`not coalesce(r.id in (select s.run_id from metric_summaries s where s.key = ${first.field.path[0] as string}::text), false)`;
  const rest = await selectRunIds(db, sql`(${where} and ${lacking})`, compileOrder(terms.slice(1)), limit - having.length, includeArchived);
  return [...having, ...rest];
}

function checkLimit(limit: number | undefined, fallback: number): number {
  const n = limit ?? fallback;
  return Number.isInteger(n) && n > 0 ? Math.min(n, 100_000) : fallback;
}

export async function listRuns(db: RegistryDb, opts: { limit?: number; includeArchived?: boolean } = {}): Promise<RunSummary[]> {
  const ids = await selectRunIds(db, sql`true`, compileOrder([]), checkLimit(opts.limit, 50), opts.includeArchived ?? false);
  return summaries(db, ids);
}

/** Runs matching a filter (grammar in libs/registry/README.md); throws FilterSyntaxError on bad input. */
export async function queryRuns(db: RegistryDb, filter: string, opts: QueryOptions = {}): Promise<RunSummary[]> {
  const where = compileFilter(parseFilter(filter));
  const terms = parseOrderBy(opts.orderBy ?? '');
  try {
    opts.signal?.throwIfAborted();
    const ids = await selectOrdered(db, where, terms, checkLimit(opts.limit, 100), opts.includeArchived ?? false);
    opts.signal?.throwIfAborted();
    return await summaries(db, ids);
  } catch (error) {
    translateDbError(error);
  }
}

/** Every evaluation on audits whose fingerprint starts with the prefix, oldest first. */
export async function evaluationHistory(db: RegistryDb, opts: { fingerprintPrefix: string; metrics?: string[] }): Promise<EvaluationHistoryRow[]> {
  const prefix = opts.fingerprintPrefix.toLowerCase().replace(/[^0-9a-f]/g, '');
  const found = await rows<{
    id: number;
    created_at: Date;
    run_id: number;
    run_name: string;
    experiment: string;
    model: string | null;
    fingerprint: string;
    split: string;
    threshold: number;
    threshold_rule: string;
    metrics: Record<string, MetricWithInterval>;
  }>(
    db,
    sql`select v.id, v.created_at, v.run_id, r.name as run_name, e.name as experiment, r.model, a.fingerprint, v.split,
               v.threshold, v.threshold_rule, v.metrics
        from evaluations v join runs r on r.id = v.run_id join experiments e on e.id = r.experiment_id join audits a on a.id = r.audit_id
        where a.fingerprint like ${prefix + '%'} and not r.archived
        order by v.created_at, v.id`,
  );
  const wanted = opts.metrics && opts.metrics.length > 0 ? opts.metrics : undefined;
  return found.map((v) => ({
    evaluationId: v.id,
    createdAt: new Date(v.created_at),
    runId: v.run_id,
    runName: v.run_name,
    experiment: v.experiment,
    model: v.model,
    fingerprint: v.fingerprint,
    split: v.split,
    threshold: v.threshold,
    thresholdRule: v.threshold_rule,
    metrics: wanted ? Object.fromEntries(wanted.filter((m) => v.metrics[m]).map((m) => [m, v.metrics[m] as MetricWithInterval])) : v.metrics,
  }));
}

/** Marks 'running' runs whose process is gone as 'interrupted'; returns their ids. */
export async function markInterruptedRuns(db: RegistryDb, staleAfterMs: number): Promise<number[]> {
  const running = await rows<{ id: number; pid: number | null; hostname: string | null; heartbeat_at: Date; now: Date }>(
    db,
    sql`select id, pid, hostname, heartbeat_at, now() as now from runs where status = 'running'`,
  );
  const dead = running
    .filter((r) => isRunDead({ id: r.id, pid: r.pid, hostname: r.hostname, heartbeatAt: new Date(r.heartbeat_at) }, new Date(r.now), staleAfterMs))
    .map((r) => r.id);
  if (dead.length > 0) {
    await rows(
      db,
      sql`update runs set status = 'interrupted', finished_at = now() where status = 'running' and id in (${sql.join(
        dead.map((id) => sql`${id}::int`),
        sql`, `,
      )})`,
    );
  }
  return dead;
}
