import { findingBaseSchema } from '@leakproof/core';
import { z } from 'zod';

/** What the registry stores, validated at its boundary (the auditor and trainer are separate packages). */
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (SHA-256)');
const jsonObject = z.record(z.string(), z.unknown());

export const auditSplitSchema = z.object({
  name: z.string().min(1),
  images: z.number().int().nonnegative(),
  patients: z.number().int().nonnegative(),
});

export const auditFindingSchema = findingBaseSchema.extend({ detail: z.unknown().optional() });

export const auditInputSchema = z.object({
  dataset: z.object({ name: z.string().min(1), root: z.string().min(1) }),
  fingerprint: hex64,
  verdict: z.enum(['pass', 'fail']),
  policy: jsonObject,
  policyHash: z.string().min(1),
  report: z.unknown(),
  toolVersion: z.string().min(1),
  splits: z.array(auditSplitSchema).min(1),
  findings: z.array(auditFindingSchema).default([]),
});
export type AuditInput = z.input<typeof auditInputSchema>;
export type AuditFindingInput = z.input<typeof auditFindingSchema>;

export const runInputSchema = z.object({
  experiment: z.string().min(1),
  name: z.string().min(1),
  auditId: z.number().int().positive(),
  params: jsonObject.default({}),
  seed: z.number().int().nullable().optional(),
  gitCommit: z.string().nullable().optional(),
  gitDirty: z.boolean().nullable().optional(),
  backend: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  /** recorded verbatim: a string is stored as-is, anything else as its JSON text */
  config: z.union([z.string(), z.unknown()]).optional(),
  threads: z.number().int().positive().nullable().optional(),
  /** the process that runs it, for liveness; default this process (a server passes its client's) */
  pid: z.number().int().positive().optional(),
  hostname: z.string().min(1).optional(),
});
export type RunInput = z.input<typeof runInputSchema>;

export const metricKeySchema = z.string().min(1).max(200);
export const metricEntrySchema = z.object({
  key: metricKeySchema,
  step: z.number().int().nonnegative(),
  /** NaN and ±Infinity are kept verbatim (MLflow accepts them); summaries skip NaN (migration 0009) */
  value: z.custom<number>((v) => typeof v === 'number', 'must be a number (NaN and ±Infinity allowed)'),
});
export type MetricEntry = z.infer<typeof metricEntrySchema>;

export const metricWithIntervalSchema = z.object({
  value: z.number().nullable(),
  lo: z.number().nullable().optional(),
  hi: z.number().nullable().optional(),
});

export const evaluationInputSchema = z.object({
  runId: z.number().int().positive(),
  split: z.string().min(1),
  threshold: z.number().finite(),
  thresholdRule: z.string().min(1),
  confusion: z.object({
    tp: z.number().int().nonnegative(),
    fp: z.number().int().nonnegative(),
    tn: z.number().int().nonnegative(),
    fn: z.number().int().nonnegative(),
  }),
  metrics: z.record(z.string(), metricWithIntervalSchema),
  patientLevel: z.unknown().optional(),
  finished: z.boolean().default(true),
});
export type EvaluationInput = z.input<typeof evaluationInputSchema>;

export const artifactInputSchema = z.object({
  runId: z.number().int().positive(),
  path: z.string().min(1),
  sha256: hex64,
  size: z.number().int().nonnegative(),
  kind: z.string().min(1),
});
export type ArtifactInput = z.input<typeof artifactInputSchema>;

export type { RunStatus } from '@leakproof/core';
export const finalStatusSchema = z.enum(['finished', 'failed', 'interrupted']);
