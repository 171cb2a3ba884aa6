import { z } from 'zod';

/**
 * Leakage checks between splits, in report order. The audit policy, the audit report, the JUnit renderer and
 * the registry's findings all use this list (the registry's SQL check constraint restates it: keep in step).
 */
/** `unverified`: a candidate pair whose verification failed (fail closed: not proven clean, the policy decides) */
export const findingKinds = ['exact', 'pixel', 'near', 'patient', 'label-conflict', 'unverified'] as const;
export const findingKindSchema = z.enum(findingKinds);
export type FindingKind = z.infer<typeof findingKindSchema>;
export const findingSeveritySchema = z.enum(['fail', 'warn', 'info']);

/** Where a finding is and how bad: what the audit report and the registry both keep of every finding. */
export const findingBaseSchema = z.object({
  kind: findingKindSchema,
  severity: findingSeveritySchema,
  splitA: z.string(),
  splitB: z.string(),
  pathA: z.string().optional(),
  pathB: z.string().optional(),
  patient: z.string().optional(),
  /** near: thumbnail correlation after alignment; exact/pixel: 1 */
  score: z.number().optional(),
});

/** How the decision threshold is chosen on validation. One definition, one set of bounds, for config files and the evaluator. */
export const thresholdRuleNames = ['max-f1', 'target-recall', 'fixed'] as const;
export type ThresholdRuleName = (typeof thresholdRuleNames)[number];

/** target-recall: the validation recall the threshold must still reach, in (0, 1]. */
export const targetRecallSchema = z.number().gt(0).lte(1);
/** fixed: predicted positive when prob ≥ value; 0 and 1 would call everything (or nothing) positive. */
export const fixedThresholdSchema = z.number().gt(0).lt(1);

export const thresholdRuleSchema = z.union([
  z.enum(thresholdRuleNames),
  z.object({ rule: z.literal('max-f1') }).strict(),
  z.object({ rule: z.literal('target-recall'), target: targetRecallSchema.optional() }).strict(),
  z.object({ rule: z.literal('fixed'), value: fixedThresholdSchema.optional() }).strict(),
]);
export type ThresholdRule = z.infer<typeof thresholdRuleSchema>;

/** A run's lifecycle, as the registry stores it (MLflow's upper-case names are mapped by the filter language). */
export const runStatusSchema = z.enum(['running', 'finished', 'failed', 'interrupted']);
export type RunStatus = z.infer<typeof runStatusSchema>;

/** The backend of a run `leakproof run -- <command>` created: it ends when the command exits, with the status its exit gives. */
export const boundCommandBackend = 'external command';

/** The backend of a run an MLflow client created (runs/create): bound to an audit by tag, without a planned split of leakproof's. */
export const mlflowClientBackend = 'external';
