import { z } from 'zod';
import { metricNames, type MetricName } from './metrics.js';
import { thresholdChoiceSchema } from './threshold.js';

/**
 * The versioned evaluation report. JSON-safe: undefined metrics (NaN in code) are `null`, and the ROC/PR
 * start point "above every score" has `threshold: null`. Bump `schemaVersion` on any breaking change.
 */
export const metricIntervalSchema = z.object({
  value: z.number().nullable(),
  /** Percentile bootstrap bounds; null when no replicate defined the metric or bootstrap was off. */
  lo: z.number().nullable(),
  hi: z.number().nullable(),
});
export type MetricInterval = z.infer<typeof metricIntervalSchema>;

const metricsShape = Object.fromEntries(metricNames.map((m) => [m, metricIntervalSchema])) as Record<MetricName, typeof metricIntervalSchema>;
const countsShape = Object.fromEntries(metricNames.map((m) => [m, z.number().int().nonnegative()])) as Record<
  MetricName,
  z.ZodNumber
>;

export const levelReportSchema = z.object({
  /** Rows at this level: images, or patients for the patient level. */
  n: z.number().int().nonnegative(),
  positives: z.number().int().nonnegative(),
  negatives: z.number().int().nonnegative(),
  patients: z.number().int().nonnegative(),
  /** Counts at the threshold (the point estimate; rates derived from them carry the intervals). */
  confusion: z.object({ tp: z.number().int(), fp: z.number().int(), tn: z.number().int(), fn: z.number().int() }),
  metrics: z.object(metricsShape),
  /** Per metric, bootstrap replicates that left it undefined (e.g. no positive patient drawn) and were excluded. */
  undefinedReplicates: z.object(countsShape),
  curves: z.object({
    roc: z.array(z.object({ fpr: z.number(), tpr: z.number(), threshold: z.number().nullable() })),
    pr: z.array(z.object({ recall: z.number(), precision: z.number(), threshold: z.number().nullable() })),
    calibration: z.array(
      z.object({
        bin: z.number().int(),
        lower: z.number(),
        upper: z.number(),
        count: z.number().int(),
        meanPredicted: z.number().nullable(),
        fractionPositive: z.number().nullable(),
      }),
    ),
  }),
});
export type LevelReport = z.infer<typeof levelReportSchema>;

export const evaluationReportSchema = z.object({
  schemaVersion: z.literal(1),
  threshold: thresholdChoiceSchema,
  bootstrap: z.object({
    unit: z.literal('patient'),
    method: z.literal('percentile'),
    replicates: z.number().int().nonnegative(),
    seed: z.number().int(),
    level: z.number().gt(0).lt(1),
  }),
  calibrationBins: z.number().int().positive(),
  /** Each image scored and thresholded on its own. */
  image: levelReportSchema,
  /** One row per patient: positive if any image is, scored by the maximum image probability. */
  patient: levelReportSchema,
});
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;
