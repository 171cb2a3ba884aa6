import type { UiRunDetail } from '@leakproof/core';
import { useState } from 'preact/hooks';
import { useSearch, Link } from 'wouter-preact';
import { api } from '../api';
import { MetricCharts } from '../components/metric-charts';
import { ErrorBox, Loading } from '../components/status';
import { useData } from '../components/use-data';
import { fixed, flattenParams, interval } from '../format';

function useHistories(ids: number[]) {
  return useData(() => Promise.all(ids.map((id) => api.metrics(id))), ids.join(','));
}

function EvaluationTable({ runs }: { runs: UiRunDetail[] }) {
  const splits = [...new Set(runs.flatMap((r) => r.evaluations.map((e) => e.split)))];
  return (
    <>
      {splits.map((split) => {
        const latest = runs.map((r) => r.evaluations.filter((e) => e.split === split).at(-1));
        const keys = [...new Set(latest.flatMap((e) => (e ? Object.keys(e.metrics) : [])))].sort();
        const base = latest[0];
        return (
          <div key={split} class="table-wrap">
            <h3>latest evaluation on {split}</h3>
            <table class="grid" aria-label={`evaluations on ${split}`}>
              <thead>
                <tr>
                  <th scope="col">metric</th>
                  {runs.map((r, i) => (
                    <th key={r.id} scope="col" class="num">
                      {r.name} (#{r.id}){i > 0 ? ' · Δ vs first' : ''}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    {latest.map((e, i) => {
                      const m = e?.metrics[k];
                      const b = base?.metrics[k]?.value;
                      const d = i > 0 && m?.value != null && b != null ? m.value - b : null;
                      return (
                        <td key={i} class="num">
                          {m ? interval(m) : '—'}
                          {d !== null && <span class={d > 0 ? 'delta up' : d < 0 ? 'delta down' : 'delta'}> {(d > 0 ? '+' : '') + fixed(d)}</span>}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
      {splits.length === 0 && <p class="muted">none of these runs is evaluated</p>}
    </>
  );
}

export function ComparePage() {
  const ids = (new URLSearchParams(useSearch()).get('ids') ?? '')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .slice(0, 10);
  const compare = useData(() => api.compare(ids), ids.join(','));
  const histories = useHistories(ids);
  const [onlyDiff, setOnlyDiff] = useState(false);
  if (ids.length < 2) return <p class="muted">pick 2–10 runs on the <Link href="/runs">runs page</Link> and press Compare.</p>;
  if (compare.error) return <ErrorBox title={'Compare'} error={compare.error} />;
  if (!compare.data) return <Loading title={'Compare'} what="runs" />;
  const { runs, differingParams } = compare.data;
  const flat = runs.map((r) => flattenParams(r.params));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const differing = new Set(differingParams);
  const shownKeys = onlyDiff ? keys.filter((k) => differing.has(k)) : keys;
  const metricKeys = [...new Set((histories.data ?? []).flatMap((h) => h.series.map((s) => s.key)))].sort();
  return (
    <section>
      <h1>Compare {runs.length} runs</h1>
      <h2>Params</h2>
      <p>
        <span class="muted">{differing.size} of {keys.length} params differ (highlighted)</span>{' '}
        <label class="check inline">
          <input type="checkbox" checked={onlyDiff} onChange={() => setOnlyDiff(!onlyDiff)} /> only differences
        </label>
      </p>
      <div class="table-wrap">
        <table class="grid params" aria-label="params">
          <thead>
            <tr>
              <th scope="col">param</th>
              {runs.map((r) => (
                <th key={r.id} scope="col">
                  <Link href={`/runs/${r.id}`}>{r.name}</Link> <span class="muted">#{r.id}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shownKeys.map((k) => (
              <tr key={k} class={differing.has(k) ? 'diff' : undefined} data-param={k}>
                <th scope="row">{k}</th>
                {flat.map((f, i) => (
                  <td key={i}>{f[k] ?? '—'}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Metric curves</h2>
      {histories.data ? (
        <MetricCharts
          charts={metricKeys.map((key) => ({
            key,
            lines: (histories.data ?? []).map((h, i) => ({ label: `${runs[i]?.name ?? h.runId} #${h.runId}`, points: h.series.find((s) => s.key === key)?.points ?? [] })),
          }))}
        />
      ) : (
        <Loading what="metrics" />
      )}
      <h2>Evaluations</h2>
      <EvaluationTable runs={runs} />
    </section>
  );
}
