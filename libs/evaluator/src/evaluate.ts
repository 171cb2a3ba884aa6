import { bootstrapMetrics, DEFAULT_BOOTSTRAP, type BootstrapOptions } from './bootstrap.js';
import { prCurve, rocCurve } from './curves.js';
import { confusionMatrix, DEFAULT_CALIBRATION_BINS, metricNames, reliabilityBins, type MetricName } from './metrics.js';
import { EvaluationInputError, toPatientLevel, validatePredictions, type Prediction } from './predictions.js';
import { evaluationReportSchema, type EvaluationReport, type LevelReport, type MetricInterval } from './report-schema.js';
import { thresholdChoiceSchema, type ThresholdChoice } from './threshold.js';

export interface EvaluateOptions {
  predictions: readonly Prediction[];
  /** Decision threshold: predicted positive when prob ≥ threshold. */
  threshold: number;
  /** How the threshold was chosen (from chooseThreshold on validation); recorded as `{ rule: 'fixed' }` when omitted. */
  thresholdRule?: ThresholdChoice;
  bootstrap?: BootstrapOptions;
  /** Equal-width bins for ECE and the reliability diagram; default 10. */
  calibrationBins?: number;
}

const nullIfNaN = (v: number): number | null => (Number.isFinite(v) ? v : null);

function evaluateLevel(rows: readonly Prediction[], threshold: number, bins: number, bootstrap: BootstrapOptions): LevelReport {
  const { intervals, undefinedReplicates } = bootstrapMetrics(rows, threshold, bins, bootstrap);
  const metrics = Object.fromEntries(
    metricNames.map((m) => [m, { value: nullIfNaN(intervals[m].value), lo: nullIfNaN(intervals[m].lo), hi: nullIfNaN(intervals[m].hi) }]),
  ) as Record<MetricName, MetricInterval>;
  const positives = rows.filter((p) => p.label === 1).length;
  return {
    n: rows.length,
    positives,
    negatives: rows.length - positives,
    patients: new Set(rows.map((p) => p.patient)).size,
    confusion: confusionMatrix(rows, threshold),
    metrics,
    undefinedReplicates,
    curves: { roc: rocCurve(rows), pr: prCurve(rows), calibration: reliabilityBins(rows, bins) },
  };
}

/**
 * Image- and patient-level metrics with patient-bootstrap intervals and the curve points plots need.
 * Degenerate data (empty, one class) yields null metrics, never an exception; malformed predictions or
 * options throw EvaluationInputError naming the field.
 */
export function evaluate(options: EvaluateOptions): EvaluationReport {
  const predictions = validatePredictions(options.predictions);
  const { threshold } = options;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new EvaluationInputError(`threshold must be a number in [0, 1], got ${String(threshold)}; choose one on validation with chooseThreshold()`);
  }
  const rule = options.thresholdRule ?? { rule: 'fixed', value: threshold };
  const parsedRule = thresholdChoiceSchema.safeParse(rule);
  if (!parsedRule.success) throw new EvaluationInputError(`thresholdRule is not a ThresholdChoice: ${parsedRule.error.issues[0]?.message ?? ''}`);
  if (parsedRule.data.value !== threshold) {
    throw new EvaluationInputError(`thresholdRule.value (${parsedRule.data.value}) differs from threshold (${threshold}); pass the value chooseThreshold() returned`);
  }
  const bins = options.calibrationBins ?? DEFAULT_CALIBRATION_BINS;
  if (!Number.isInteger(bins) || bins < 1) throw new EvaluationInputError(`calibrationBins must be a positive integer, got ${String(bins)}`);
  const replicates = options.bootstrap?.replicates ?? DEFAULT_BOOTSTRAP.replicates;
  const seed = options.bootstrap?.seed ?? DEFAULT_BOOTSTRAP.seed;
  const level = options.bootstrap?.level ?? DEFAULT_BOOTSTRAP.level;
  if (!Number.isInteger(replicates) || replicates < 0) throw new EvaluationInputError(`bootstrap.replicates must be a non-negative integer, got ${String(replicates)}`);
  if (!Number.isInteger(seed)) throw new EvaluationInputError(`bootstrap.seed must be an integer, got ${String(seed)}`);
  if (!(level > 0 && level < 1)) throw new EvaluationInputError(`bootstrap.level must be in (0, 1), got ${String(level)}`);
  const bootstrap = { replicates, seed, level };

  return evaluationReportSchema.parse({
    schemaVersion: 1,
    threshold: parsedRule.data,
    bootstrap: { unit: 'patient', method: 'percentile', ...bootstrap },
    calibrationBins: bins,
    image: evaluateLevel(predictions, threshold, bins, bootstrap),
    patient: evaluateLevel(toPatientLevel(predictions), threshold, bins, bootstrap),
  });
}
