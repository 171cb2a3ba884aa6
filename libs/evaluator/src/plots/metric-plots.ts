import type { TopLevelSpec } from 'vega-lite';
import type { LevelReport } from '../report-schema.js';
import { fmt, fmtInterval, renderVegaLiteSvg } from './render-svg.js';

const SIZE = { width: 360, height: 320 } as const;
const unitAxis = (title: string) => ({ type: 'quantitative' as const, title, scale: { domain: [0, 1] } });

/** The operating point at the threshold, from the confusion counts (null when a class is absent). */
function operatingPoint(level: LevelReport): { fpr: number | null; tpr: number | null; precision: number | null } {
  const { tp, fp, tn, fn } = level.confusion;
  return {
    fpr: fp + tn > 0 ? fp / (fp + tn) : null,
    tpr: tp + fn > 0 ? tp / (tp + fn) : null,
    precision: tp + fp > 0 ? tp / (tp + fp) : null,
  };
}

export function rocSpec(level: LevelReport, title = 'ROC'): TopLevelSpec {
  const op = operatingPoint(level);
  const points = level.curves.roc.map((p, i) => ({ ...p, i }));
  return {
    ...SIZE,
    title: { text: title, subtitle: `AUC ${fmtInterval(level.metrics.rocAuc)}${points.length === 0 ? ' (needs both classes)' : ''}` },
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'x', ...unitAxis('False positive rate (1 − specificity)') }, y: { field: 'y', ...unitAxis('True positive rate (recall)') } },
      },
      {
        data: { values: points },
        mark: { type: 'line', color: '#1f77b4', strokeWidth: 2 },
        encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' }, order: { field: 'i' } },
      },
      {
        data: { values: op.fpr !== null && op.tpr !== null ? [op] : [] },
        mark: { type: 'point', filled: true, size: 80, color: '#d62728' },
        encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } },
      },
    ],
  };
}

export function prSpec(level: LevelReport, title = 'Precision–recall'): TopLevelSpec {
  const op = operatingPoint(level);
  const prevalence = level.n > 0 ? level.positives / level.n : null;
  const points = level.curves.pr.map((p, i) => ({ ...p, i }));
  return {
    ...SIZE,
    title: { text: title, subtitle: `Average precision ${fmtInterval(level.metrics.prAuc)}; dashed: prevalence ${fmt(prevalence)}` },
    layer: [
      {
        data: { values: prevalence === null ? [] : [{ prevalence }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#999' },
        encoding: { y: { field: 'prevalence', ...unitAxis('Precision (PPV)') } },
      },
      {
        data: { values: points },
        mark: { type: 'line', interpolate: 'step-before', color: '#1f77b4', strokeWidth: 2 },
        encoding: { x: { field: 'recall', ...unitAxis('Recall (sensitivity)') }, y: { field: 'precision', type: 'quantitative' }, order: { field: 'i' } },
      },
      {
        data: { values: op.tpr !== null && op.precision !== null ? [op] : [] },
        mark: { type: 'point', filled: true, size: 80, color: '#d62728' },
        encoding: { x: { field: 'tpr', type: 'quantitative' }, y: { field: 'precision', type: 'quantitative' } },
      },
    ],
  };
}

/** The names of the two classes the report scores (the positive class is configurable). */
export interface PlotClasses {
  positive: string;
  negative: string;
}

const defaultPlotClasses: PlotClasses = { positive: 'PNEUMONIA', negative: 'NORMAL' };

export function confusionMatrixSpec(level: LevelReport, threshold: number, title = 'Confusion matrix', classes: PlotClasses = defaultPlotClasses): TopLevelSpec {
  const { tp, fp, tn, fn } = level.confusion;
  const { positive, negative } = classes;
  const cells = [
    { actual: positive, predicted: positive, count: tp, kind: 'TP' },
    { actual: positive, predicted: negative, count: fn, kind: 'FN' },
    { actual: negative, predicted: positive, count: fp, kind: 'FP' },
    { actual: negative, predicted: negative, count: tn, kind: 'TN' },
  ];
  const max = Math.max(1, tp, fp, tn, fn);
  const order = [negative, positive];
  return {
    width: 260,
    height: 260,
    config: { axis: { grid: false } },
    title: { text: title, subtitle: `threshold ${fmt(threshold)}; n = ${level.n}` },
    data: { values: cells.map((c) => ({ ...c, label: `${c.kind} ${c.count}` })) },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: order, title: 'Predicted', axis: { labelAngle: 0 } },
      y: { field: 'actual', type: 'nominal', sort: order, title: 'Actual' },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', domain: [0, max] }, legend: null } } },
      {
        mark: { type: 'text', fontSize: 16, baseline: 'middle' },
        encoding: {
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: `datum.count > ${max / 2}`, value: 'white' }, value: 'black' },
        },
      },
    ],
  };
}

export function calibrationSpec(level: LevelReport, title = 'Calibration (reliability diagram)', unit = 'Images'): TopLevelSpec {
  const bins = level.curves.calibration.filter((b) => b.count > 0);
  return {
    ...SIZE,
    title: { text: title, subtitle: `ECE ${fmtInterval(level.metrics.ece)}; Brier ${fmtInterval(level.metrics.brier)}; ${level.curves.calibration.length} equal-width bins` },
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: 'line', strokeDash: [4, 4], color: '#999' },
        encoding: { x: { field: 'x', ...unitAxis('Mean predicted probability') }, y: { field: 'y', ...unitAxis('Fraction positive') } },
      },
      {
        data: { values: bins },
        mark: { type: 'line', color: '#1f77b4', point: false },
        encoding: { x: { field: 'meanPredicted', type: 'quantitative' }, y: { field: 'fractionPositive', type: 'quantitative' }, order: { field: 'bin' } },
      },
      {
        data: { values: bins },
        mark: { type: 'circle', color: '#1f77b4', opacity: 0.8 },
        encoding: {
          x: { field: 'meanPredicted', type: 'quantitative' },
          y: { field: 'fractionPositive', type: 'quantitative' },
          size: { field: 'count', type: 'quantitative', title: `${unit} in bin` },
        },
      },
    ],
  };
}

export const rocPlotSvg = (level: LevelReport, title?: string): Promise<string> => renderVegaLiteSvg(rocSpec(level, title));
export const prPlotSvg = (level: LevelReport, title?: string): Promise<string> => renderVegaLiteSvg(prSpec(level, title));
export const confusionMatrixSvg = (level: LevelReport, threshold: number, title?: string, classes?: PlotClasses): Promise<string> =>
  renderVegaLiteSvg(confusionMatrixSpec(level, threshold, title, classes));
export const calibrationPlotSvg = (level: LevelReport, title?: string, unit?: string): Promise<string> => renderVegaLiteSvg(calibrationSpec(level, title, unit));
