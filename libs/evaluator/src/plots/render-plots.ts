import type { EvaluationReport } from '../report-schema.js';
import { trainingCurvesSvg, type TrainingPoint } from './line-charts.js';
import { calibrationPlotSvg, confusionMatrixSvg, prPlotSvg, rocPlotSvg, type PlotClasses } from './metric-plots.js';

/**
 * Every plot for a report, keyed by a file-safe name (`image-roc`, `patient-calibration`, …;
 * `training-curves` when a training history is given). Async because vega renders asynchronously.
 */
export async function renderPlots(report: EvaluationReport, options: { training?: readonly TrainingPoint[]; classes?: PlotClasses } = {}): Promise<Record<string, string>> {
  const threshold = report.threshold.value;
  const plots: Record<string, string> = {};
  for (const [name, level] of [['image', report.image], ['patient', report.patient]] as const) {
    const label = name === 'image' ? 'image level' : 'patient level (positive if any image is)';
    plots[`${name}-roc`] = await rocPlotSvg(level, `ROC, ${label}`);
    plots[`${name}-pr`] = await prPlotSvg(level, `Precision–recall, ${label}`);
    plots[`${name}-confusion-matrix`] = await confusionMatrixSvg(level, threshold, `Confusion matrix, ${label}`, options.classes);
    plots[`${name}-calibration`] = await calibrationPlotSvg(level, `Calibration, ${label}`, name === 'image' ? 'Images' : 'Patients');
  }
  if (options.training && options.training.length > 0) plots['training-curves'] = await trainingCurvesSvg(options.training);
  return plots;
}
