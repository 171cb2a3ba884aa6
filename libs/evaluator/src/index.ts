export { predictionSchema, validatePredictions, toPatientLevel, EvaluationInputError, type Prediction } from './predictions.js';
export {
  confusionMatrix,
  thresholdMetrics,
  rocAuc,
  averagePrecision,
  brierScore,
  expectedCalibrationError,
  reliabilityBins,
  computeMetrics,
  metricNames,
  DEFAULT_CALIBRATION_BINS,
  type ConfusionMatrix,
  type MetricName,
  type MetricValues,
  type ReliabilityBin,
} from './metrics.js';
export { rocCurve, prCurve, type RocPoint, type PrPoint } from './curves.js';
export { bootstrapMetrics, DEFAULT_BOOTSTRAP, type BootstrapOptions, type BootstrapResult, type Interval } from './bootstrap.js';
export { mulberry32 } from '@leakproof/core';
export {
  chooseThreshold,
  thresholdChoiceSchema,
  thresholdRuleNames,
  DEFAULT_THRESHOLD_RULE,
  DEFAULT_TARGET_RECALL,
  DEFAULT_FIXED_THRESHOLD,
  type ThresholdChoice,
  type ThresholdRule,
  type ThresholdRuleName,
} from './threshold.js';
export { evaluate, type EvaluateOptions } from './evaluate.js';
export {
  evaluationReportSchema,
  levelReportSchema,
  metricIntervalSchema,
  type EvaluationReport,
  type LevelReport,
  type MetricInterval,
} from './report-schema.js';
export { renderVegaLiteSvg } from './plots/render-svg.js';
export { rocSpec, prSpec, confusionMatrixSpec, calibrationSpec, rocPlotSvg, prPlotSvg, confusionMatrixSvg, calibrationPlotSvg, type PlotClasses } from './plots/metric-plots.js';
export {
  trainingCurvesSpec,
  trainingCurvesSvg,
  lineChartSpec,
  lineChartSvg,
  defaultTrainingPanel,
  type TrainingPoint,
  type LineChartOptions,
} from './plots/line-charts.js';
export { renderPlots } from './plots/render-plots.js';
export { writePlots } from './write-plots.js';
export { formatMetricsTable, formatMetricsMarkdown, metricLabels } from './reporters.js';
