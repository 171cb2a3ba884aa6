import { and, eq, inArray, like, not, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { rows, type RegistryDb } from './db.js';
import { sqlState, translateDbError } from './errors.js';
import { leavesOf, type FilterNode, type OrderTerm } from './filter/ast.js';
import { compileFilter, compileOrder, type CompiledFilter, type CompiledOrder, type FilterStrategy } from './filter/compile.js';
import { parseFilter, parseOrderBy } from './filter/parse.js';
import { FilterSyntaxError } from './filter/syntax-error.js';
import { isRunDead } from './liveness.js';
import type { EvaluationHistoryRow, MetricWithInterval, RunSummary } from './records.js';
import { audits, datasets, evaluations, experiments, runs } from './schema.js';

export interface QueryOptions {
  /** e.g. "metrics.recall desc, attributes.created"; default newest first */
  orderBy?: string;
  limit?: number;
  /** 'only': archived runs alone (MLflow's DELETED_ONLY), limited and paged as such */
  includeArchived?: boolean | 'only';
  /** aborting cancels the query (on the PostgreSQL server too); it then rejects with code 'query-cancelled' */
  signal?: AbortSignal;
  /** how comparisons are compiled (see FilterStrategy); 'auto' unless a test or bench compares them */
  strategy?: FilterStrategy;
}

// the raw-SQL fragments of the filter compiler name these aliases
const r = alias(runs, 'r');
const e = alias(experiments, 'e');
type RunId = Pick<typeof runs.$inferSelect, 'id'>;

const sortKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Loads summaries for ids (in that order) in one round trip: metrics and tags come as JSON objects through their
 * (run_id, key) primary keys (json, not jsonb: the keys are unique and sorted here, so jsonb's parse-and-sort is
 * wasted work). Column types come from the schema, so renaming a column breaks this at type-check time.
 */
async function summaries(db: RegistryDb, ids: number[]): Promise<RunSummary[]> {
  if (ids.length === 0) return [];
  const found = await db
    .select({
      id: r.id,
      experiment: e.name,
      name: r.name,
      status: r.status,
      model: r.model,
      backend: r.backend,
      seed: r.seed,
      auditId: r.auditId,
      datasetName: datasets.name,
      fingerprint: audits.fingerprint,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
      archived: r.archived,
      params: r.params,
      metrics: sql<Record<string, number>>`(select coalesce(json_object_agg(s.key, s.last_value), '{}') from metric_summaries s where s.run_id = ${r.id})`,
      tags: sql<Record<string, string>>`(select coalesce(json_object_agg(t.key, t.value), '{}') from tags t where t.run_id = ${r.id})`,
    })
    .from(r)
    .innerJoin(e, eq(e.id, r.experimentId))
    .innerJoin(audits, eq(audits.id, r.auditId))
    .innerJoin(datasets, eq(datasets.id, audits.datasetId))
    // one array parameter: an IN list binds one per id, and a statement takes at most 65,535 (--limit goes to 100,000)
    .where(sql`${r.id} = any(${`{${ids.join(',')}}`}::int4[])`);
  const byId = new Map(found.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        ...row,
        seed: row.seed === null ? null : Number(row.seed),
        createdAt: new Date(row.createdAt),
        finishedAt: row.finishedAt ? new Date(row.finishedAt) : null,
        params: row.params as Record<string, unknown>,
        // json renders NaN and ±Infinity as strings
        metrics: sortKeys(Object.fromEntries(Object.entries(row.metrics).map(([k, v]) => [k, Number(v)]))),
        tags: sortKeys(row.tags),
      },
    ];
  });
}

const everything: CompiledFilter = { joins: sql``, where: sql`true`, strategy: 'subqueries' };

type ArchivedRuns = NonNullable<QueryOptions['includeArchived']>;

async function selectRunIds(db: RegistryDb, filter: CompiledFilter, order: CompiledOrder, limit: number, includeArchived: ArchivedRuns): Promise<number[]> {
  const archived = includeArchived === 'only' ? sql`${r.archived}` : includeArchived ? sql`true` : sql`not ${r.archived}`;
  const found = await rows<RunId>(
    db,
    sql`select ${r.id} as ${sql.identifier('id')} from runs r join experiments e on ${e.id} = ${r.experimentId} ${filter.joins} ${order.joins}
        where ${archived} and ${filter.where} order by ${order.orderBy} limit ${limit}`,
  );
  return found.map((row) => row.id);
}

/**
 * Ordered by a metric: first the runs that have it as a number, in the order of its (key, value) index, then, if
 * the limit is not reached, the runs without it or with NaN (last) - rather than joining every run to sort them all.
 */
async function selectOrdered(db: RegistryDb, filter: CompiledFilter, terms: OrderTerm[], limit: number, includeArchived: ArchivedRuns): Promise<number[]> {
  const first = terms[0];
  if (!first || first.field.scope !== 'metrics' || first.field.aggregate === 'avg') return selectRunIds(db, filter, compileOrder(terms), limit, includeArchived);
  const having = await selectRunIds(db, filter, compileOrder(terms, { innerJoinFirst: true }), limit, includeArchived);
  if (having.length >= limit) return having;
  const value = sql.raw(`s.${first.field.aggregate ?? 'last'}_value`);
  // lacking a number: no such metric, or NaN (or no non-NaN point for min/max), which the first query left out
  const lacking: SQL = sql`not coalesce(r.id in (select s.run_id from metric_summaries s where s.key = ${first.field.path.join('.')}::text and ${value} < 'NaN'::float8), false)`;
  const rest = await selectRunIds(db, { ...filter, where: sql`(${filter.where} and ${lacking})` }, compileOrder(terms.slice(1)), limit - having.length, includeArchived);
  return [...having, ...rest];
}

function checkLimit(limit: number | undefined, fallback: number): number {
  const n = limit ?? fallback;
  return Number.isInteger(n) && n > 0 ? Math.min(n, 100_000) : fallback;
}

export async function listRuns(db: RegistryDb, opts: { limit?: number; includeArchived?: boolean } = {}): Promise<RunSummary[]> {
  const ids = await selectRunIds(db, everything, compileOrder([]), checkLimit(opts.limit, 50), opts.includeArchived ?? false);
  return summaries(db, ids);
}

/**
 * PostgreSQL's regex dialect is not JavaScript's, so some patterns pass the parser and fail in the database.
 * Which one failed is found by trying each on its own, so the error can point at its column.
 */
async function locateBadRegex(db: RegistryDb, input: string, tree: FilterNode | undefined, error: unknown): Promise<void> {
  for (const leaf of leavesOf(tree)) {
    if (leaf.type !== 'compare' || leaf.op !== '~' || leaf.value.type !== 'string') continue;
    try {
      await db.execute(sql`select ''::text ~* ${leaf.value.value}::text`);
    } catch (cause) {
      if (sqlState(cause) !== '2201B') throw error;
      const reason = ((cause as { cause?: Error }).cause ?? (cause as Error)).message;
      throw new FilterSyntaxError(input, leaf.value.column, `${reason} (PostgreSQL's regular expressions are POSIX ARE)`, "e.g. tags.note ~ '^base(line)?'");
    }
  }
}

/** Runs matching a filter (grammar in libs/registry/README.md); throws FilterSyntaxError on bad input. */
export async function queryRuns(db: RegistryDb, filter: string, opts: QueryOptions = {}): Promise<RunSummary[]> {
  const tree = parseFilter(filter);
  const compiled = compileFilter(tree, { strategy: opts.strategy });
  const terms = parseOrderBy(opts.orderBy ?? '');
  try {
    opts.signal?.throwIfAborted();
    const ids = await selectOrdered(db, compiled, terms, checkLimit(opts.limit, 100), opts.includeArchived ?? false);
    opts.signal?.throwIfAborted();
    return await summaries(db, ids);
  } catch (error) {
    if (sqlState(error) === '2201B') await locateBadRegex(db, filter, tree, error);
    translateDbError(error);
  }
}

/** Every evaluation on audits whose fingerprint starts with the prefix, oldest first. */
export async function evaluationHistory(db: RegistryDb, opts: { fingerprintPrefix: string; metrics?: string[] }): Promise<EvaluationHistoryRow[]> {
  const prefix = opts.fingerprintPrefix.toLowerCase().replace(/[^0-9a-f]/g, '');
  const found = await db
    .select({
      evaluationId: evaluations.id,
      createdAt: evaluations.createdAt,
      runId: evaluations.runId,
      runName: runs.name,
      experiment: experiments.name,
      model: runs.model,
      fingerprint: audits.fingerprint,
      split: evaluations.split,
      threshold: evaluations.threshold,
      thresholdRule: evaluations.thresholdRule,
      metrics: evaluations.metrics,
    })
    .from(evaluations)
    .innerJoin(runs, eq(runs.id, evaluations.runId))
    .innerJoin(experiments, eq(experiments.id, runs.experimentId))
    .innerJoin(audits, eq(audits.id, runs.auditId))
    .where(and(like(audits.fingerprint, `${prefix}%`), not(runs.archived)))
    .orderBy(evaluations.createdAt, evaluations.id);
  const wanted = opts.metrics && opts.metrics.length > 0 ? opts.metrics : undefined;
  return found.map((v) => {
    const metrics = v.metrics as Record<string, MetricWithInterval>;
    return {
      ...v,
      createdAt: new Date(v.createdAt),
      metrics: wanted ? Object.fromEntries(wanted.filter((m) => metrics[m]).map((m) => [m, metrics[m] as MetricWithInterval])) : metrics,
    };
  });
}

/** Marks 'running' runs whose process is gone as 'interrupted'; returns their ids. */
export async function markInterruptedRuns(db: RegistryDb, staleAfterMs: number): Promise<number[]> {
  const running = await db
    .select({ id: runs.id, pid: runs.pid, hostname: runs.hostname, heartbeatAt: runs.heartbeatAt, now: sql<Date>`now()` })
    .from(runs)
    .where(eq(runs.status, 'running'));
  const dead = running
    .filter((row) => isRunDead({ id: row.id, pid: row.pid, hostname: row.hostname, heartbeatAt: new Date(row.heartbeatAt) }, new Date(row.now), staleAfterMs))
    .map((row) => row.id);
  if (dead.length > 0) {
    await db
      .update(runs)
      .set({ status: 'interrupted', finishedAt: sql`now()` })
      .where(and(eq(runs.status, 'running'), inArray(runs.id, dead)));
  }
  return dead;
}
