import { useState } from 'preact/hooks';
import { smooth } from '../format';
import { LineChart, type Series } from './chart';

export interface KeyedSeries {
  key: string;
  /** one line per run (a single run has one) */
  lines: Series[];
}

/** A grid of metric charts sharing the smoothing and log-scale controls. */
export function MetricCharts({ charts }: { charts: KeyedSeries[] }) {
  const [weight, setWeight] = useState(0);
  const [logY, setLogY] = useState(false);
  if (charts.length === 0) return <p class="muted">no metrics logged yet</p>;
  return (
    <>
      <div class="chart-controls">
        <label>
          smoothing <input type="range" min={0} max={0.95} step={0.05} value={weight} onInput={(e) => setWeight(Number((e.target as HTMLInputElement).value))} />{' '}
          <span class="num">{weight.toFixed(2)}</span>
        </label>
        <label class="check">
          <input type="checkbox" checked={logY} onChange={() => setLogY(!logY)} /> log scale
        </label>
        <span class="muted">drag on a chart to zoom, double-click to reset</span>
      </div>
      <div class="charts">
        {charts.map((c) => (
          <LineChart
            key={c.key}
            title={c.key}
            logY={logY}
            series={c.lines.map((l) => {
              const ys = smooth(
                l.points.map((p) => p[1]),
                weight,
              );
              return { label: l.label, points: l.points.map((p, i) => [p[0], ys[i] ?? null]) };
            })}
          />
        ))}
      </div>
    </>
  );
}
