import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axisTicks, stepIncrs, stepTicks, undrawnSteps, valueIncrs } from '../format';

export interface Series {
  label: string;
  points: [number, number | null][];
}

export interface Band {
  label: string;
  x: number[];
  value: (number | null)[];
  lo: (number | null)[];
  hi: (number | null)[];
}

const palette = ['#2f6fde', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285', '#e67700', '#5c7cfa', '#495057', '#a61e4d'];

function axisColor(): string {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? '#c9d1d9' : '#333';
}

/** Aligns several [x, y] series onto one x axis, the table shape uPlot draws. */
function aligned(series: Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    for (const [x, y] of s.points) col[index.get(x) as number] = y === null || Number.isFinite(y) ? y : null;
    return col;
  });
  return [xs, ...ys] as uPlot.AlignedData;
}

function singleX(u: uPlot): [number, number] | undefined {
  const xs = u.data[0];
  const first = xs[0];
  if (first === undefined || xs[xs.length - 1] !== first) return undefined;
  const pad = u.scales['x']?.time ? 3600 : 1;
  return [first - pad, first + pad];
}

interface ChartProps {
  title: string;
  series: Series[];
  logY?: boolean;
  xLabel?: string;
  height?: number;
  /** x values are epoch milliseconds */
  time?: boolean;
  band?: Band;
}

/**
 * One uPlot chart: drag to zoom on x, double-click to reset; log scale on y. Data updates without
 * re-creating the chart, so a live run's curve grows in place and a zoom survives a poll.
 */
export function LineChart({ title, series, logY = false, xLabel = 'step', height = 220, time = false, band }: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoomed = useRef(false);
  const shape = `${series.map((s) => s.label).join('|')}:${logY}:${band ? 1 : 0}`;

  const data = (): uPlot.AlignedData =>
    band ? ([band.x, band.value, band.lo, band.hi] as unknown as uPlot.AlignedData) : aligned(series);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const stroke = axisColor();
    // the tick labels drawn (on canvas) also as data-x-ticks / data-y-ticks, where a test can read them
    const shown = (attribute: 'xTicks' | 'yTicks', labels: string[]) => {
      el.dataset[attribute] = labels.join(' ');
      return labels;
    };
    const lines: uPlot.Series[] = band
      ? [
          { label: band.label, stroke: palette[0], width: 2, points: { show: true, size: 5 } },
          { label: '95% lo', stroke: 'rgba(47,111,222,0.35)', width: 1 },
          { label: '95% hi', stroke: 'rgba(47,111,222,0.35)', width: 1 },
        ]
      : series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 1.5, spanGaps: true, points: { show: s.points.length < 40 } }));
    const opts: uPlot.Options = {
      title,
      width: Math.max(280, el.clientWidth),
      height,
      // a single x value (a first evaluation): uPlot pads a time axis by 1000 days; an hour (or a step) each side reads better
      scales: { x: { time, range: (u, min, max) => singleX(u) ?? [min, max] }, y: logY ? { distr: 3 } : {} },
      axes: [
        // steps and epochs are whole numbers: no 0.2-step ticks; uPlot draws no tick where no increment spans the range
        { stroke, grid: { stroke: 'rgba(128,128,128,0.15)' }, label: xLabel, ...(time ? {} : { incrs: stepIncrs, values: (_u, splits) => shown('xTicks', stepTicks(splits)) }) },
        { stroke, grid: { stroke: 'rgba(128,128,128,0.15)' }, size: 60, incrs: valueIncrs, values: (_u, splits) => shown('yTicks', axisTicks(splits)) },
      ],
      series: [{ label: xLabel }, ...lines],
      cursor: { drag: { x: true, y: false } },
      legend: { show: lines.length > 1 && !band },
      hooks: { setSelect: [(u) => void (u.select.width > 0 && (zoomed.current = true))] },
      ...(band ? { bands: [{ series: [3, 2], fill: 'rgba(47,111,222,0.15)' }] } : {}),
    };
    const u = new uPlot(opts, data(), el);
    plot.current = u;
    const unzoom = () => void (zoomed.current = false);
    el.addEventListener('dblclick', unzoom);
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(280, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      el.removeEventListener('dblclick', unzoom);
      u.destroy();
      plot.current = null;
    };
  }, [shape, title, height]);

  useEffect(() => {
    // a zoomed chart keeps its range while new points arrive; otherwise the axes follow the data
    plot.current?.setData(data(), !zoomed.current);
  });

  // a metric history's null is a logged NaN or ±Infinity; on the evaluation-history band a null is only a metric that evaluation lacks
  const undrawn = band || time ? [] : series.map((s) => ({ label: s.label, steps: undrawnSteps(s.points) })).filter((s) => s.steps.length > 0);
  return (
    <div class="chart-cell">
      <div class="chart" ref={host} data-points={series.reduce((n, s) => n + s.points.length, band?.x.length ?? 0)} />
      {undrawn.length > 0 && (
        <p class="chart-note">
          not drawn, not a finite number (NaN or ±∞):{' '}
          {undrawn.map((s) => `${series.length > 1 ? `${s.label} ` : ''}${xLabel} ${listed(s.steps)}`).join('; ')}
        </p>
      )}
    </div>
  );
}

/** "2, 3, 7" — or the first five and how many more. */
function listed(steps: number[]): string {
  return steps.length <= 5 ? steps.join(', ') : `${steps.slice(0, 5).join(', ')} and ${steps.length - 5} more`;
}
