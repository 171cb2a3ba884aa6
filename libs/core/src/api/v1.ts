import { z } from 'zod';
import { runStatusSchema } from '../contracts.js';

/**
 * The contracts of `leakproof server`'s own JSON API (/api/v1/...), shared by the server (which validates
 * requests with them), the CLI's HTTP client (RemoteRegistry) and the web client (which parses answers with them).
 *
 * Wire conventions: dates are ISO-8601 strings; numbers that JSON cannot carry (NaN, Infinity, -Infinity) travel
 * as those strings, as in protobuf's JSON mapping (MLflow does the same); errors are `{ error_code, message }`.
 */
export const API_V1_PREFIX = '/api/v1';

/** A number as it travels: a JSON number, or 'NaN' / 'Infinity' / '-Infinity'. Parses to a JS number. */
export const wireNumber = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number)]);
const wireDate = z.coerce.date();
const id = z.number().int().positive();

/** JSON.stringify replacer: non-finite numbers become their names instead of `null`. */
export function nonFiniteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

export const apiErrorSchema = z.object({ error_code: z.string(), message: z.string(), hint: z.string().optional() });
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

// ---- records (responses) ----

export const auditSplitRecordSchema = z.object({ name: z.string(), images: z.number(), patients: z.number() });
export const auditRecordSchema = z.object({
  id,
  datasetName: z.string(),
  datasetRoot: z.string(),
  fingerprint: z.string(),
  verdict: z.enum(['pass', 'fail']),
  policyHash: z.string(),
  toolVersion: z.string(),
  createdAt: wireDate,
  splits: z.array(auditSplitRecordSchema),
});
export const auditFindingRecordSchema = z.object({
  id,
  kind: z.string(),
  severity: z.string(),
  splitA: z.string(),
  splitB: z.string(),
  pathA: z.string().nullable(),
  pathB: z.string().nullable(),
  patient: z.string().nullable(),
  score: wireNumber.nullable(),
  detail: z.unknown(),
});
export const auditDetailSchema = auditRecordSchema.extend({ policy: z.record(z.string(), z.unknown()), report: z.unknown(), findings: z.array(auditFindingRecordSchema) });

export const experimentRecordSchema = z.object({ id, name: z.string(), createdAt: wireDate, archived: z.boolean().optional() });

export { runStatusSchema };
export const runRecordSchema = z.object({
  id,
  experiment: z.string(),
  name: z.string(),
  status: runStatusSchema,
  auditId: id,
  params: z.record(z.string(), z.unknown()),
  seed: z.number().nullable(),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  backend: z.string().nullable(),
  model: z.string().nullable(),
  config: z.string().nullable(),
  threads: z.number().nullable(),
  pid: z.number().nullable(),
  hostname: z.string().nullable(),
  heartbeatAt: wireDate,
  createdAt: wireDate,
  finishedAt: wireDate.nullable(),
  archived: z.boolean(),
});
export const metricSummarySchema = z.object({
  key: z.string(),
  last: wireNumber,
  lastStep: z.number(),
  min: wireNumber.nullable(),
  max: wireNumber.nullable(),
  avg: wireNumber.nullable(),
  count: z.number(),
});
export const metricPointSchema = z.object({ step: z.number(), value: wireNumber, loggedAt: wireDate });
const metricWithIntervalSchema = z.object({ value: wireNumber.nullable(), lo: wireNumber.nullable().optional(), hi: wireNumber.nullable().optional() });
export const evaluationRecordSchema = z.object({
  id,
  runId: id,
  split: z.string(),
  threshold: wireNumber,
  thresholdRule: z.string(),
  confusion: z.object({ tp: z.number(), fp: z.number(), tn: z.number(), fn: z.number() }),
  metrics: z.record(z.string(), metricWithIntervalSchema),
  patientLevel: z.unknown(),
  finished: z.boolean(),
  createdAt: wireDate,
});
export const artifactRecordSchema = z.object({ id, runId: id, path: z.string(), sha256: z.string(), size: z.number(), kind: z.string(), createdAt: wireDate });
export const runDetailSchema = runRecordSchema.extend({
  audit: auditRecordSchema,
  metrics: z.array(metricSummarySchema),
  evaluations: z.array(evaluationRecordSchema),
  artifacts: z.array(artifactRecordSchema),
  tags: z.record(z.string(), z.string()),
});
export const runSummarySchema = z.object({
  id,
  experiment: z.string(),
  name: z.string(),
  status: runStatusSchema,
  model: z.string().nullable(),
  backend: z.string().nullable(),
  seed: z.number().nullable(),
  auditId: id,
  datasetName: z.string(),
  fingerprint: z.string(),
  createdAt: wireDate,
  finishedAt: wireDate.nullable(),
  archived: z.boolean(),
  params: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), wireNumber),
  tags: z.record(z.string(), z.string()),
});
export const evaluationHistoryRowSchema = z.object({
  evaluationId: id,
  createdAt: wireDate,
  runId: id,
  runName: z.string(),
  experiment: z.string(),
  model: z.string().nullable(),
  fingerprint: z.string(),
  split: z.string(),
  threshold: wireNumber,
  thresholdRule: z.string(),
  metrics: z.record(z.string(), metricWithIntervalSchema),
});

// ---- requests (strict: an unknown field is a 400, never silently dropped) ----

const key = z.string().min(1).max(250);
export const runsListQuerySchema = z.strictObject({ limit: z.coerce.number().int().positive().max(100_000).optional(), all: z.enum(['true', 'false']).optional() });
export const runsQueryRequestSchema = z.strictObject({
  filter: z.string().max(10_000),
  orderBy: z.string().max(1_000).optional(),
  limit: z.number().int().positive().max(100_000).optional(),
  includeArchived: z.union([z.boolean(), z.literal('only')]).optional(),
});
export const metricEntryWireSchema = z.strictObject({ key: key, step: z.number().int().nonnegative().max(2_147_483_647), value: wireNumber });
export const logMetricsRequestSchema = z.strictObject({ entries: z.array(metricEntryWireSchema).max(100_000) });
export const logParamsRequestSchema = z.strictObject({ params: z.record(key, z.unknown()) });
export const finishRunRequestSchema = z.strictObject({ status: z.enum(['finished', 'failed', 'interrupted']).default('finished') });
export const setTagRequestSchema = z.strictObject({ value: z.string().max(100_000) });
export const archiveRequestSchema = z.strictObject({ archived: z.boolean().default(true) });
export const experimentCreateRequestSchema = z.strictObject({ name: z.string().min(1).max(500) });
// the registry matches by prefix: anything but hex would widen the answer to every evaluation
export const evaluationHistoryQuerySchema = z.strictObject({
  fingerprint: z.string().regex(/^[0-9a-fA-F]{4,64}$/, 'a split fingerprint or a prefix of at least 4 hex characters'),
  metrics: z.string().optional(),
});
export const markInterruptedRequestSchema = z.strictObject({ staleAfterMs: z.number().int().nonnegative().optional() });
export const limitQuerySchema = z.strictObject({ limit: z.coerce.number().int().positive().max(100_000).optional() });
// runs, audits, evaluations and artifacts are validated by the registry's own input schemas on the server

/** `GET /api/v1/health`: who owns the store. */
export const healthSchema = z.object({ ok: z.literal(true), store: z.enum(['pglite', 'postgres']), version: z.string(), pid: z.number() });
export type Health = z.infer<typeof healthSchema>;
