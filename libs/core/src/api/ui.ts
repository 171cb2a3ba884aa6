import { z } from 'zod';
import { runStatusSchema } from '../contracts.js';

/**
 * Contracts of the dashboard's own API (`/api/ui/*`, served by libs/server/src/ui): the server parses its
 * answers with them in tests and the web client parses every answer with them, so a drifted field fails
 * loudly instead of rendering `undefined`. Dates travel as ISO strings.
 */
export const UI_API_PREFIX = '/api/ui';

const isoDate = z.string();

export const uiErrorSchema = z.object({
  error_code: z.string(),
  message: z.string(),
  /** filter errors: the 1-based column the caret goes under */
  column: z.number().int().optional(),
  hint: z.string().optional(),
});
export type UiError = z.infer<typeof uiErrorSchema>;

export const runsPageQuerySchema = z.object({
  filter: z.string().max(4000).default(''),
  order: z.string().max(400).default(''),
  experiment: z.string().max(200).optional(),
  status: runStatusSchema.optional(),
  archived: z.enum(['include', 'exclude']).default('exclude'),
  page: z.coerce.number().int().min(0).max(10_000).default(0),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type RunsPageQuery = z.input<typeof runsPageQuerySchema>;

export const uiRunRowSchema = z.object({
  id: z.number().int(),
  experiment: z.string(),
  name: z.string(),
  status: runStatusSchema,
  model: z.string().nullable(),
  backend: z.string().nullable(),
  datasetName: z.string(),
  fingerprint: z.string(),
  auditId: z.number().int(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
  archived: z.boolean(),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.number().nullable()),
  tags: z.record(z.string(), z.string()),
});
export type UiRunRow = z.infer<typeof uiRunRowSchema>;

export const runsPageSchema = z.object({
  rows: z.array(uiRunRowSchema),
  page: z.number().int(),
  pageSize: z.number().int(),
  hasMore: z.boolean(),
  /** the keys present on this page, for the column chooser */
  keys: z.object({ metrics: z.array(z.string()), params: z.array(z.string()), tags: z.array(z.string()) }),
  experiments: z.array(z.string()),
  elapsedMs: z.number(),
});
export type RunsPage = z.infer<typeof runsPageSchema>;

export const metricWithIntervalSchema = z.object({ value: z.number().nullable(), lo: z.number().nullable().optional(), hi: z.number().nullable().optional() });

export const uiAuditSummarySchema = z.object({
  id: z.number().int(),
  datasetName: z.string(),
  datasetRoot: z.string(),
  fingerprint: z.string(),
  verdict: z.enum(['pass', 'fail']),
  policyHash: z.string(),
  toolVersion: z.string(),
  createdAt: isoDate,
  splits: z.array(z.object({ name: z.string(), images: z.number().int(), patients: z.number().int() })),
});
export type UiAuditSummary = z.infer<typeof uiAuditSummarySchema>;

export const uiPlotSchema = z.object({ name: z.string(), url: z.string() });

export const uiEvaluationSchema = z.object({
  id: z.number().int(),
  split: z.string(),
  threshold: z.number(),
  thresholdRule: z.string(),
  confusion: z.object({ tp: z.number(), fp: z.number(), tn: z.number(), fn: z.number() }),
  metrics: z.record(z.string(), metricWithIntervalSchema),
  patientLevel: z.record(z.string(), metricWithIntervalSchema).nullable(),
  finished: z.boolean(),
  createdAt: isoDate,
  plots: z.array(uiPlotSchema),
  hasPredictions: z.boolean(),
});
export type UiEvaluation = z.infer<typeof uiEvaluationSchema>;

export const uiRunDetailSchema = z.object({
  id: z.number().int(),
  experiment: z.string(),
  name: z.string(),
  status: runStatusSchema,
  params: z.record(z.string(), z.unknown()),
  tags: z.record(z.string(), z.string()),
  config: z.string().nullable(),
  seed: z.number().nullable(),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  backend: z.string().nullable(),
  model: z.string().nullable(),
  hostname: z.string().nullable(),
  threads: z.number().nullable(),
  createdAt: isoDate,
  finishedAt: isoDate.nullable(),
  heartbeatAt: isoDate,
  archived: z.boolean(),
  audit: uiAuditSummarySchema,
  metrics: z.array(z.object({ key: z.string(), last: z.number().nullable(), lastStep: z.number(), min: z.number().nullable(), max: z.number().nullable(), count: z.number() })),
  evaluations: z.array(uiEvaluationSchema),
});
export type UiRunDetail = z.infer<typeof uiRunDetailSchema>;

/** Metric histories of one run, every key (or the asked ones), points as [step, value] pairs. */
export const uiMetricHistorySchema = z.object({
  runId: z.number().int(),
  status: runStatusSchema,
  series: z.array(z.object({ key: z.string(), points: z.array(z.tuple([z.number(), z.number().nullable()])) })),
});
export type UiMetricHistory = z.infer<typeof uiMetricHistorySchema>;

export const uiPredictionSchema = z.object({
  /** row index in the evaluation's predictions artifact: the image's id, never a path from the client */
  row: z.number().int(),
  path: z.string(),
  split: z.string(),
  label: z.number().int(),
  patient: z.string(),
  prob: z.number(),
  predicted: z.number().int(),
  outcome: z.enum(['tp', 'fp', 'tn', 'fn']),
  imageUrl: z.string(),
});
export type UiPrediction = z.infer<typeof uiPredictionSchema>;

export const uiPredictionsSchema = z.object({ evaluationId: z.number().int(), split: z.string(), threshold: z.number(), rows: z.array(uiPredictionSchema) });
export type UiPredictions = z.infer<typeof uiPredictionsSchema>;

export const uiCompareSchema = z.object({
  runs: z.array(uiRunDetailSchema),
  /** param keys (dotted) whose values differ between the runs */
  differingParams: z.array(z.string()),
});
export type UiCompare = z.infer<typeof uiCompareSchema>;

export const uiHistorySchema = z.object({
  fingerprint: z.string(),
  fingerprints: z.array(z.object({ fingerprint: z.string(), datasetName: z.string(), evaluations: z.number().int() })),
  rows: z.array(
    z.object({
      evaluationId: z.number().int(),
      createdAt: isoDate,
      runId: z.number().int(),
      runName: z.string(),
      experiment: z.string(),
      model: z.string().nullable(),
      split: z.string(),
      threshold: z.number(),
      thresholdRule: z.string(),
      metrics: z.record(z.string(), metricWithIntervalSchema),
    }),
  ),
});
export type UiHistory = z.infer<typeof uiHistorySchema>;

export const uiFindingSchema = z.object({
  id: z.number().int(),
  kind: z.string(),
  severity: z.string(),
  splitA: z.string(),
  splitB: z.string(),
  pathA: z.string().nullable(),
  pathB: z.string().nullable(),
  patient: z.string().nullable(),
  score: z.number().nullable(),
  distance: z.number().nullable(),
  detail: z.string(),
  allowedBecause: z.string().nullable(),
  imageA: z.string().nullable(),
  imageB: z.string().nullable(),
});
export type UiFinding = z.infer<typeof uiFindingSchema>;

export const uiAuditDetailSchema = uiAuditSummarySchema.extend({
  findings: z.array(uiFindingSchema),
  policy: z.record(z.string(), z.unknown()),
  classes: z.record(z.string(), z.record(z.string(), z.number())),
});
export type UiAuditDetail = z.infer<typeof uiAuditDetailSchema>;

export const uiAllowRequestSchema = z.object({
  findingId: z.number().int().positive(),
  reason: z.string().trim().min(3, 'every allowlist entry needs a written reason').max(500),
  /** false: only show the change; true: write leakproof.policy.json */
  confirm: z.boolean().default(false),
});
export type UiAllowRequest = z.input<typeof uiAllowRequestSchema>;

export const uiAllowResponseSchema = z.object({
  policyFile: z.string(),
  entry: z.record(z.string(), z.string()),
  /** the whole policy file after the change, exactly as it would be written */
  policyText: z.string(),
  written: z.boolean(),
});
export type UiAllowResponse = z.infer<typeof uiAllowResponseSchema>;

export const uiGateSchema = z.object({
  configFile: z.string(),
  lockFile: z.string(),
  /** what this page checks, in words (it reads the registry; it does not re-audit) */
  checks: z.string(),
  passed: z.boolean(),
  datasets: z.array(
    z.object({
      name: z.string(),
      path: z.string(),
      lockedFingerprint: z.string().nullable(),
      latestAudit: uiAuditSummarySchema.nullable(),
      /** the recorded audit of the data as it is now (its current fingerprint) */
      currentAudit: uiAuditSummarySchema.nullable(),
      passed: z.boolean(),
      reasons: z.array(z.string()),
      /** what this page could not decide without re-auditing */
      notes: z.array(z.string()),
    }),
  ),
});
export type UiGate = z.infer<typeof uiGateSchema>;
