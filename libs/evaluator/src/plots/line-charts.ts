import type { TopLevelSpec } from 'vega-lite';
import { fmt, renderVegaLiteSvg } from './render-svg.js';

/** One value of one series at one epoch, as the trainer streams them (e.g. key 'val_loss'). */
export interface TrainingPoint {
  epoch: number;
  key: string;
  value: number;
}

/** Default panel grouping: losses share a scale, the learning rate gets its own, everything else (0..1 metrics) together. */
export function defaultTrainingPanel(key: string): string {
  if (/loss/i.test(key)) return 'loss';
  if (/(^|_)lr$|learning.?rate/i.test(key)) return 'learning rate';
  return 'metrics';
}

export function trainingCurvesSpec(
  points: readonly TrainingPoint[],
  options: { title?: string; panelOf?: (key: string) => string } = {},
): TopLevelSpec {
  const panelOf = options.panelOf ?? defaultTrainingPanel;
  const values = points.filter((p) => Number.isFinite(p.value)).map((p) => ({ ...p, panel: panelOf(p.key) }));
  return {
    title: options.title ?? 'Training curves',
    data: { values },
    facet: { row: { field: 'panel', type: 'nominal', title: null, sort: ['loss', 'metrics', 'learning rate'] } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 420,
      height: 180,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', title: 'Epoch', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'key', type: 'nominal', title: 'Series' },
      },
    },
  };
}

export interface LineChartOptions {
  /** x is a number, or an ISO date string / epoch milliseconds with `xType: 'temporal'`. */
  points: readonly { x: number | string; y: number; series?: string }[];
  title?: string;
  xTitle?: string;
  yTitle?: string;
  xType?: 'quantitative' | 'temporal';
  logX?: boolean;
  logY?: boolean;
  /** A vertical marker, e.g. the learning-rate finder's suggested LR. */
  marker?: { x: number | string; label?: string };
}

/** Generic line chart: registry metric history over time, or loss vs learning rate on a log x axis. */
export function lineChartSpec(options: LineChartOptions): TopLevelSpec {
  const xType = options.xType ?? 'quantitative';
  const logX = options.logX === true && xType === 'quantitative';
  const values = options.points
    .filter((p) => Number.isFinite(p.y) && (!logX || (typeof p.x === 'number' && p.x > 0)) && (!options.logY || p.y > 0))
    .map((p, i) => ({ x: p.x, y: p.y, series: p.series ?? '', i }));
  const hasSeries = values.some((v) => v.series !== '');
  const x = { field: 'x', type: xType, title: options.xTitle ?? 'x', ...(logX ? { scale: { type: 'log' as const } } : {}) };
  const marker = options.marker;
  const markerLabel = marker ? (marker.label ?? `x = ${typeof marker.x === 'number' ? fmt(marker.x, 6) : marker.x}`) : '';
  return {
    width: 480,
    height: 300,
    title: marker ? { text: options.title ?? '', subtitle: markerLabel } : (options.title ?? ''),
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: values.length <= 60 },
        encoding: {
          x,
          y: { field: 'y', type: 'quantitative', title: options.yTitle ?? 'y', scale: options.logY ? { type: 'log' } : { zero: false } },
          order: { field: 'i' },
          ...(hasSeries ? { color: { field: 'series', type: 'nominal' as const, title: 'Series' } } : {}),
        },
      },
      {
        data: { values: marker ? [{ x: marker.x, label: markerLabel }] : [] },
        layer: [
          { mark: { type: 'rule', color: '#d62728', strokeDash: [6, 3], strokeWidth: 2 }, encoding: { x } },
          { mark: { type: 'text', color: '#d62728', align: 'left', dx: 4, baseline: 'top', y: 4 }, encoding: { x, text: { field: 'label' } } },
        ],
      },
    ],
  };
}

export const trainingCurvesSvg = (points: readonly TrainingPoint[], options?: { title?: string; panelOf?: (key: string) => string }): Promise<string> =>
  renderVegaLiteSvg(trainingCurvesSpec(points, options));
export const lineChartSvg = (options: LineChartOptions): Promise<string> => renderVegaLiteSvg(lineChartSpec(options));
