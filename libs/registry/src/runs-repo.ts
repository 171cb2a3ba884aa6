import { and, asc, count, eq, sql } from 'drizzle-orm';
import { hostname } from 'node:os';
import { getAudit } from './audits-repo.js';
import type { RegistryDb } from './db.js';
import { invalidInput, RegistryError, sqlState, translateDbError } from './errors.js';
import {
  artifactInputSchema,
  evaluationInputSchema,
  finalStatusSchema,
  metricEntrySchema,
  runInputSchema,
  type ArtifactInput,
  type EvaluationInput,
  type MetricEntry,
  type RunInput,
  type RunStatus,
} from './inputs.js';
import type { ArtifactRecord, AuditRecord, EvaluationRecord, ExperimentRecord, MetricPoint, MetricSummary, RunDetail, RunRecord } from './records.js';
import { artifacts, evaluations, experiments, metrics, metricSummaries, runs, tags } from './schema.js';

function missingRun(error: unknown, runId: number): never {
  if (sqlState(error) === '23503') throw new RegistryError(`run ${runId} does not exist`, 'list runs with `leakproof runs list`');
  translateDbError(error);
}

export async function getOrCreateExperiment(db: RegistryDb, name: string): Promise<ExperimentRecord> {
  if (!name) throw new RegistryError('an experiment needs a name');
  await db.insert(experiments).values({ name }).onConflictDoNothing();
  const [found] = await db.select({ id: experiments.id, name: experiments.name, createdAt: experiments.createdAt }).from(experiments).where(eq(experiments.name, name));
  return found as ExperimentRecord;
}

/** Starts a run (status 'running') owned by this process; the database refuses an audit that did not pass. */
export async function createRun(db: RegistryDb, input: RunInput): Promise<RunRecord> {
  const parsed = runInputSchema.safeParse(input);
  if (!parsed.success) throw invalidInput('run', parsed.error);
  const r = parsed.data;
  const experiment = await getOrCreateExperiment(db, r.experiment);
  const config = r.config === undefined || r.config === null ? null : typeof r.config === 'string' ? r.config : JSON.stringify(r.config, null, 2);
  try {
    const [row] = await db
      .insert(runs)
      .values({
        experimentId: experiment.id,
        name: r.name,
        auditId: r.auditId,
        params: r.params,
        seed: r.seed ?? null,
        gitCommit: r.gitCommit ?? null,
        gitDirty: r.gitDirty ?? null,
        backend: r.backend ?? null,
        model: r.model ?? null,
        config,
        threads: r.threads ?? null,
        pid: r.pid ?? process.pid,
        hostname: r.hostname ?? hostname(),
      })
      .returning({ id: runs.id });
    return (await getRunRecord(db, (row as { id: number }).id)) as RunRecord;
  } catch (error) {
    if (sqlState(error) === '23503') throw new RegistryError(`audit ${r.auditId} does not exist`, 'record the audit first (`leakproof audit <dataset>`)');
    translateDbError(error);
  }
}

/** Ids are int4: anything else names no row (asking the database would be a type error there). */
const isRowId = (id: number) => Number.isInteger(id) && id > 0 && id <= 2_147_483_647;

export async function getRunRecord(db: RegistryDb, id: number): Promise<RunRecord | undefined> {
  if (!isRowId(id)) return undefined;
  const [row] = await db
    .select({ run: runs, experiment: experiments.name })
    .from(runs)
    .innerJoin(experiments, eq(experiments.id, runs.experimentId))
    .where(eq(runs.id, id));
  if (!row) return undefined;
  const { experimentId: _e, ...run } = row.run;
  return { ...run, experiment: row.experiment, status: run.status as RunStatus, params: run.params as Record<string, unknown> };
}

const maxRowsPerInsert = 5000;

/** Appends metric points in one statement per 5,000 (the summary trigger runs once per statement) and beats the heart. */
export async function logMetrics(db: RegistryDb, runId: number, entries: MetricEntry[]): Promise<void> {
  const checked: MetricEntry[] = [];
  for (const e of entries) {
    const parsed = metricEntrySchema.safeParse(e);
    if (!parsed.success) throw invalidInput(`metric for run ${runId}`, parsed.error);
    checked.push(parsed.data);
  }
  try {
    for (let i = 0; i < checked.length; i += maxRowsPerInsert) {
      await db.insert(metrics).values(checked.slice(i, i + maxRowsPerInsert).map((e) => ({ runId, ...e })));
    }
    await heartbeat(db, runId);
  } catch (error) {
    missingRun(error, runId);
  }
}

/** Only a running run beats: a finished one is frozen (LP012), and logging its evaluation metrics must not touch it. */
export async function heartbeat(db: RegistryDb, runId: number): Promise<void> {
  await db.update(runs).set({ heartbeatAt: sql`now()` }).where(and(eq(runs.id, runId), eq(runs.status, 'running')));
}

export async function finishRun(db: RegistryDb, runId: number, status: 'finished' | 'failed' | 'interrupted'): Promise<RunRecord> {
  const parsed = finalStatusSchema.safeParse(status);
  if (!parsed.success) throw invalidInput('run status', parsed.error);
  let updated: { id: number }[];
  try {
    updated = await db.update(runs).set({ status: parsed.data, finishedAt: sql`now()`, heartbeatAt: sql`now()` }).where(eq(runs.id, runId)).returning({ id: runs.id });
  } catch (error) {
    translateDbError(error);
  }
  if (updated.length === 0) throw new RegistryError(`run ${runId} does not exist`);
  return (await getRunRecord(db, runId)) as RunRecord;
}

/** Renames a run while it runs (MLflow's update_run name, tag mlflow.runName); a finished or failed run is frozen (LP012). */
export async function renameRun(db: RegistryDb, runId: number, name: string): Promise<RunRecord> {
  if (name.length === 0) throw new RegistryError('a run name cannot be empty', 'give the run a name, e.g. baseline-lr3e-3', 'invalid-input');
  let updated: { id: number }[];
  try {
    updated = await db.update(runs).set({ name }).where(eq(runs.id, runId)).returning({ id: runs.id });
  } catch (error) {
    translateDbError(error);
  }
  if (updated.length === 0) throw new RegistryError(`run ${runId} does not exist`);
  return (await getRunRecord(db, runId)) as RunRecord;
}

/** How many runs the registry holds (archived ones only when asked): a count, not a capped listing. */
export async function countRuns(db: RegistryDb, includeArchived = false): Promise<number> {
  const [row] = await db.select({ n: count() }).from(runs).where(includeArchived ? undefined : eq(runs.archived, false));
  return row?.n ?? 0;
}

/** Marks an interrupted run running again in this process (resuming after a crash or Ctrl-C). */
export async function resumeRun(db: RegistryDb, runId: number): Promise<RunRecord> {
  const updated = await db
    .update(runs)
    .set({ status: 'running', finishedAt: null, heartbeatAt: sql`now()`, pid: process.pid, hostname: hostname() })
    .where(and(eq(runs.id, runId), eq(runs.status, 'interrupted'), eq(runs.archived, false)))
    .returning({ id: runs.id });
  if (updated.length === 0) {
    const run = await getRunRecord(db, runId);
    if (!run) throw new RegistryError(`run ${runId} does not exist`);
    throw new RegistryError(`run ${runId} is ${run.archived ? 'archived' : run.status}; only an interrupted run can be resumed`, 'start a new run instead', 'not-resumable');
  }
  return (await getRunRecord(db, runId)) as RunRecord;
}

function toEvaluation(row: typeof evaluations.$inferSelect): EvaluationRecord {
  const { tp, fp, tn, fn, ...rest } = row;
  return { ...rest, confusion: { tp, fp, tn, fn }, metrics: row.metrics as EvaluationRecord['metrics'] };
}

/** The database refuses a split outside the run's audit, and any change once `finished`. */
export async function recordEvaluation(db: RegistryDb, input: EvaluationInput): Promise<EvaluationRecord> {
  const parsed = evaluationInputSchema.safeParse(input);
  if (!parsed.success) throw invalidInput('evaluation', parsed.error);
  const e = parsed.data;
  try {
    const [row] = await db
      .insert(evaluations)
      .values({ runId: e.runId, split: e.split, threshold: e.threshold, thresholdRule: e.thresholdRule, ...e.confusion, metrics: e.metrics, patientLevel: e.patientLevel ?? null, finished: e.finished })
      .returning();
    return toEvaluation(row as typeof evaluations.$inferSelect);
  } catch (error) {
    missingRun(error, e.runId);
  }
}

export async function addArtifact(db: RegistryDb, input: ArtifactInput): Promise<ArtifactRecord> {
  const parsed = artifactInputSchema.safeParse(input);
  if (!parsed.success) throw invalidInput('artifact', parsed.error);
  try {
    const [row] = await db.insert(artifacts).values(parsed.data).returning();
    const { archived: _a, ...artifact } = row as typeof artifacts.$inferSelect;
    return artifact;
  } catch (error) {
    missingRun(error, parsed.data.runId);
  }
}

export async function setTag(db: RegistryDb, runId: number, key: string, value: string): Promise<void> {
  if (!key) throw new RegistryError('a tag needs a key');
  try {
    await db.insert(tags).values({ runId, key, value }).onConflictDoUpdate({ target: [tags.runId, tags.key], set: { value, updatedAt: sql`now()` } });
  } catch (error) {
    missingRun(error, runId);
  }
}

/** Hides a run from lists and queries; nothing is ever deleted. */
export async function archiveRun(db: RegistryDb, runId: number, archived = true): Promise<void> {
  const updated = await db.update(runs).set({ archived }).where(eq(runs.id, runId)).returning({ id: runs.id });
  if (updated.length === 0) throw new RegistryError(`run ${runId} does not exist`);
}

export async function runMetricSummaries(db: RegistryDb, runId: number): Promise<MetricSummary[]> {
  const found = await db.select().from(metricSummaries).where(eq(metricSummaries.runId, runId)).orderBy(asc(metricSummaries.key));
  return found.map((m) => ({ key: m.key, last: m.lastValue, lastStep: m.lastStep, min: m.minValue, max: m.maxValue, avg: m.count > 0 ? m.sum / m.count : null, count: m.count }));
}

export async function metricHistory(db: RegistryDb, runId: number, key: string): Promise<MetricPoint[]> {
  return db
    .select({ step: metrics.step, value: metrics.value, loggedAt: metrics.loggedAt })
    .from(metrics)
    .where(and(eq(metrics.runId, runId), eq(metrics.key, key)))
    .orderBy(asc(metrics.step), asc(metrics.id));
}

/** Everything about one run: params, metric summaries, evaluations, artifacts, tags and its audit. */
export async function getRun(db: RegistryDb, id: number): Promise<RunDetail | undefined> {
  const run = await getRunRecord(db, id);
  if (!run) return undefined;
  const [audit, metricRows, evaluationRows, artifactRows, tagRows] = await Promise.all([
    getAudit(db, run.auditId),
    runMetricSummaries(db, id),
    db.select().from(evaluations).where(eq(evaluations.runId, id)).orderBy(asc(evaluations.id)),
    db.select().from(artifacts).where(eq(artifacts.runId, id)).orderBy(asc(artifacts.id)),
    db.select().from(tags).where(eq(tags.runId, id)).orderBy(asc(tags.key)),
  ]);
  return {
    ...run,
    audit: audit as AuditRecord,
    metrics: metricRows,
    evaluations: evaluationRows.map(toEvaluation),
    artifacts: artifactRows.map(({ archived: _a, ...a }) => a),
    tags: Object.fromEntries(tagRows.map((t) => [t.key, t.value])),
  };
}
