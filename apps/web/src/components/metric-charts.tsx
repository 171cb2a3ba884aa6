import { useState } from 'preact/hooks';
import { num, smooth } from '../format';
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
  // a key logged once (an evaluation's summary, a single epoch) is a value, not a history: a table, not a chart
  const curves = charts.filter((c) => c.lines.some((l) => l.points.length > 1));
  const single = charts.filter((c) => !curves.includes(c));
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
        {curves.map((c) => (
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
      {single.length > 0 && (
        <details class="single-values" open={curves.length === 0}>
          <summary>{single.length} metrics logged once</summary>
          <table class="grid compact" aria-label="metrics logged once">
            <thead>
              <tr>
                <th scope="col">metric</th>
                {single[0]?.lines.map((l) => (
                  <th key={l.label} scope="col" class="num">
                    {single[0]?.lines.length === 1 ? 'value (step)' : l.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {single.map((c) => (
                <tr key={c.key}>
                  <th scope="row">{c.key}</th>
                  {c.lines.map((l) => (
                    <td key={l.label} class="num">
                      {l.points[0] ? `${num(l.points[0][1])} (${l.points[0][0]})` : '—'}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  );
}
