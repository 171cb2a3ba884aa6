import { z } from 'zod';
import { problemSchema } from '@leakproof/ingest';
import { findingBaseSchema } from '@leakproof/core';

export const findingSchema = findingBaseSchema.extend({
  /** near: blockhash Hamming distance of the best matching code */
  distance: z.number().int().optional(),
  labelA: z.string().optional(),
  labelB: z.string().optional(),
  detail: z.string(),
  /** unverified: why the pair could not be compared */
  reason: z.string().optional(),
  /** set when the policy allowlist accepted this finding */
  allowedBecause: z.string().optional(),
});
export type Finding = z.infer<typeof findingSchema>;

export const splitSummarySchema = z.object({
  name: z.string(),
  images: z.number().int(),
  patients: z.number().int(),
  classes: z.record(z.string(), z.number().int()),
});
export type SplitSummary = z.infer<typeof splitSummarySchema>;

export const duplicateGroupSchema = z.object({
  split: z.string(),
  kind: z.enum(['exact', 'pixel', 'near']),
  paths: z.array(z.string()),
});

export const auditReportSchema = z.object({
  schemaVersion: z.literal(1),
  tool: z.object({ name: z.string(), version: z.string() }),
  dataset: z.object({ root: z.string(), name: z.string() }),
  createdAt: z.string(),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  policyHash: z.string().regex(/^[0-9a-f]{64}$/),
  verdict: z.enum(['pass', 'fail']),
  splits: z.array(splitSummarySchema),
  findings: z.array(findingSchema),
  info: z.object({
    withinSplitDuplicates: z.array(duplicateGroupSchema),
    classBalance: z.record(z.string(), z.record(z.string(), z.number())),
    patientsPerSplit: z.record(z.string(), z.number().int()),
    imagesPerPatient: z.object({ min: z.number(), median: z.number(), max: z.number(), mean: z.number() }),
    idRule: z.string(),
    nearCandidates: z.number().int(),
  }),
  problems: z.array(problemSchema),
  timings: z.object({
    images: z.number().int(),
    hashedFresh: z.number().int(),
    fromCache: z.number().int(),
    hashMs: z.number(),
    indexMs: z.number(),
    verifyMs: z.number(),
    totalMs: z.number(),
  }),
});
export type AuditReport = z.infer<typeof auditReportSchema>;
