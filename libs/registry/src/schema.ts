// Self-contained (imports only drizzle-orm) because drizzle-kit loads this file with its own loader.
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const datasets = pgTable(
  'datasets',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    root: text('root').notNull(),
    createdAt: createdAt(),
    archived: boolean('archived').notNull().default(false),
  },
  (t) => [uniqueIndex('datasets_name_root_uq').on(t.name, t.root)],
);

export const audits = pgTable(
  'audits',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    datasetId: integer('dataset_id')
      .notNull()
      .references(() => datasets.id),
    fingerprint: text('fingerprint').notNull(),
    verdict: text('verdict').$type<'pass' | 'fail'>().notNull(),
    policy: jsonb('policy').notNull(),
    policyHash: text('policy_hash').notNull(),
    report: jsonb('report').notNull(),
    toolVersion: text('tool_version').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    check('audits_verdict_ck', sql`${t.verdict} in ('pass', 'fail')`),
    check('audits_fingerprint_ck', sql`${t.fingerprint} ~ '^[0-9a-f]{64}$'`),
    index('audits_fingerprint_idx').on(t.fingerprint, t.createdAt),
    index('audits_dataset_idx').on(t.datasetId, t.createdAt),
  ],
);

export const auditSplits = pgTable(
  'audit_splits',
  {
    auditId: integer('audit_id')
      .notNull()
      .references(() => audits.id),
    name: text('name').notNull(),
    images: integer('images').notNull(),
    patients: integer('patients').notNull(),
  },
  (t) => [primaryKey({ columns: [t.auditId, t.name] })],
);

export const auditFindings = pgTable(
  'audit_findings',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    auditId: integer('audit_id')
      .notNull()
      .references(() => audits.id),
    kind: text('kind').notNull(),
    severity: text('severity').notNull(),
    splitA: text('split_a').notNull(),
    splitB: text('split_b').notNull(),
    pathA: text('path_a'),
    pathB: text('path_b'),
    patient: text('patient'),
    score: doublePrecision('score'),
    detail: jsonb('detail').notNull().default({}),
  },
  (t) => [
    check('audit_findings_kind_ck', sql`${t.kind} in ('exact', 'pixel', 'near', 'patient', 'label-conflict', 'unverified')`),
    check('audit_findings_severity_ck', sql`${t.severity} in ('fail', 'warn', 'info')`),
    index('audit_findings_audit_idx').on(t.auditId),
  ],
);

export const experiments = pgTable('experiments', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  name: text('name').notNull().unique('experiments_name_uq'),
  createdAt: createdAt(),
  archived: boolean('archived').notNull().default(false),
});

export const runs = pgTable(
  'runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    experimentId: integer('experiment_id')
      .notNull()
      .references(() => experiments.id),
    name: text('name').notNull(),
    status: text('status').$type<'running' | 'finished' | 'failed' | 'interrupted'>().notNull().default('running'),
    auditId: integer('audit_id')
      .notNull()
      .references(() => audits.id),
    params: jsonb('params').notNull().default({}),
    seed: bigint('seed', { mode: 'number' }),
    gitCommit: text('git_commit'),
    gitDirty: boolean('git_dirty'),
    backend: text('backend'),
    model: text('model'),
    config: text('config'),
    threads: integer('threads'),
    pid: integer('pid'),
    hostname: text('hostname'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    archived: boolean('archived').notNull().default(false),
  },
  (t) => [
    check('runs_status_ck', sql`${t.status} in ('running', 'finished', 'failed', 'interrupted')`),
    index('runs_created_idx').on(t.createdAt, t.id),
    index('runs_experiment_idx').on(t.experimentId),
    index('runs_audit_idx').on(t.auditId),
    index('runs_running_idx').on(t.status).where(sql`${t.status} = 'running'`),
  ],
);

/**
 * Raw history, append-only; queries read metric_summaries instead. run_id has no row-level foreign key:
 * the statement-level summary trigger checks every run exists in one set-based pass (a per-row FK check
 * dominated bulk logging), and runs are never deleted.
 */
export const metrics = pgTable(
  'metrics',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id').notNull(),
    key: text('key').notNull(),
    step: integer('step').notNull(),
    value: doublePrecision('value').notNull(),
    loggedAt: timestamp('logged_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('metrics_run_key_step_idx').on(t.runId, t.key, t.step)],
);

/**
 * One row per (run, key), written only by the statement-level trigger on metrics (which checks the run).
 * Indexes end in run_id so a filter's set of run ids comes from an index-only scan.
 */
export const metricSummaries = pgTable(
  'metric_summaries',
  {
    runId: integer('run_id').notNull(),
    key: text('key').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    sum: doublePrecision('sum').notNull(),
    /** over the non-NaN points; null when a key has only NaN (migration 0009) */
    minValue: doublePrecision('min_value'),
    maxValue: doublePrecision('max_value'),
    lastStep: integer('last_step').notNull(),
    lastValue: doublePrecision('last_value').notNull(),
    /** stored so avg(metrics.k) filters and sorts use an index like the other aggregates */
    avgValue: doublePrecision('avg_value').generatedAlwaysAs(sql`CASE WHEN count > 0 THEN sum / count END`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.key] }),
    index('metric_summaries_key_last_run_idx').on(t.key, t.lastValue, t.runId),
    index('metric_summaries_key_max_run_idx').on(t.key, t.maxValue, t.runId),
    index('metric_summaries_key_min_run_idx').on(t.key, t.minValue, t.runId),
    index('metric_summaries_key_avg_run_idx').on(t.key, t.avgValue, t.runId),
  ],
);

export const evaluations = pgTable(
  'evaluations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    split: text('split').notNull(),
    threshold: doublePrecision('threshold').notNull(),
    thresholdRule: text('threshold_rule').notNull(),
    tp: integer('tp').notNull(),
    fp: integer('fp').notNull(),
    tn: integer('tn').notNull(),
    fn: integer('fn').notNull(),
    metrics: jsonb('metrics').notNull(),
    patientLevel: jsonb('patient_level'),
    finished: boolean('finished').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    check('evaluations_confusion_ck', sql`${t.tp} >= 0 and ${t.fp} >= 0 and ${t.tn} >= 0 and ${t.fn} >= 0`),
    index('evaluations_run_idx').on(t.runId),
  ],
);

export const artifacts = pgTable(
  'artifacts',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    path: text('path').notNull(),
    sha256: text('sha256').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    createdAt: createdAt(),
    archived: boolean('archived').notNull().default(false),
  },
  (t) => [check('artifacts_sha256_ck', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`), index('artifacts_run_idx').on(t.runId)],
);

export const tags = pgTable(
  'tags',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    value: text('value').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('tags_key_value_run_idx').on(t.key, t.value, t.runId)],
);

/**
 * runs.params flattened to dotted keys (optimizer.lr), written only by a trigger on runs, so filters on
 * params use indexes instead of extracting JSON from every run. Params are immutable once a run exists.
 */
export const runParams = pgTable(
  'run_params',
  {
    runId: integer('run_id').notNull(),
    key: text('key').notNull(),
    numValue: doublePrecision('num_value'),
    textValue: text('text_value'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index('run_params_key_num_run_idx').on(t.key, t.numValue, t.runId), index('run_params_key_text_run_idx').on(t.key, t.textValue, t.runId)],
);

// Distributed audit and worker fleet (migration 0010, issue #12); written by @leakproof/queue with plain SQL.
export const auditHashes = pgTable(
  'audit_hashes',
  {
    contentSha256: text('content_sha256').notNull(),
    settings: text('settings').notNull(),
    outcome: jsonb('outcome').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ name: 'audit_hashes_pk', columns: [t.contentSha256, t.settings] })],
);

export const auditPairScores = pgTable('audit_pair_scores', {
  pairKey: text('pair_key').primaryKey(),
  score: doublePrecision('score').notNull(),
  createdAt: createdAt(),
});

export const queueWorkers = pgTable(
  'queue_workers',
  {
    id: uuid('id').primaryKey(),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    version: text('version').notNull(),
    queues: text('queues').array().notNull(),
    concurrency: integer('concurrency').notNull(),
    currentJobs: jsonb('current_jobs').notNull().default(sql`'[]'::jsonb`),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeen: timestamp('last_seen', { withTimezone: true }).notNull().defaultNow(),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
  },
  (t) => [index('queue_workers_last_seen_idx').on(t.lastSeen)],
);
