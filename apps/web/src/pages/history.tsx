import { Link } from 'wouter-preact';
import { api } from '../api';
import { LineChart } from '../components/chart';
import { ErrorBox, Loading } from '../components/status';
import { useData } from '../components/use-data';
import { interval, shortHash, when } from '../format';
import { useUrlState } from '../url-state';

/** `leakproof history` in a browser: every evaluation on one split fingerprint over time, intervals as bands. */
export function HistoryPage() {
  const [params, update] = useUrlState();
  const fingerprint = params.get('fingerprint') ?? '';
  const split = params.get('split') ?? '';
  const metrics = (params.get('metric') ?? 'precision,recall').split(',').filter(Boolean);
  const history = useData(() => api.history(fingerprint), fingerprint);
  if (history.error) return <ErrorBox title={'History'} error={history.error} />;
  if (!history.data) return <Loading title={'History'} what="history" />;
  const h = history.data;
  const splits = [...new Set(h.rows.map((r) => r.split))];
  const chosenSplit = split || (splits.includes('test') ? 'test' : (splits[0] ?? ''));
  const rows = h.rows.filter((r) => r.split === chosenSplit);
  const allMetrics = [...new Set(h.rows.flatMap((r) => Object.keys(r.metrics)))].sort();
  const toggle = (m: string) => update({ metric: (metrics.includes(m) ? metrics.filter((x) => x !== m) : [...metrics, m]).join(',') || undefined }, true);
  return (
    <section>
      <h1>History</h1>
      <div class="toolbar">
        <label>
          split fingerprint{' '}
          <select value={h.fingerprint} onChange={(e) => update({ fingerprint: (e.target as HTMLSelectElement).value })}>
            {h.fingerprints.map((f) => (
              <option key={f.fingerprint} value={f.fingerprint}>
                {f.datasetName} {shortHash(f.fingerprint)} ({f.evaluations} evaluations)
              </option>
            ))}
          </select>
        </label>
        <label>
          split{' '}
          <select value={chosenSplit} onChange={(e) => update({ split: (e.target as HTMLSelectElement).value })}>
            {splits.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="inline">
          <legend>metrics</legend>
          {allMetrics.map((m) => (
            <label key={m} class="check">
              <input type="checkbox" checked={metrics.includes(m)} onChange={() => toggle(m)} /> {m}
            </label>
          ))}
        </fieldset>
      </div>
      {rows.length === 0 && <p class="muted">no evaluations on this fingerprint yet</p>}
      <div class="charts">
        {rows.length > 0 &&
          metrics.map((m) => (
            <LineChart
              key={m}
              title={`${m} on ${chosenSplit} (95% interval as band)`}
              time
              xLabel="evaluated"
              series={[{ label: m, points: rows.map((r) => [Date.parse(r.createdAt) / 1000, r.metrics[m]?.value ?? null]) }]}
              band={{
                label: m,
                x: rows.map((r) => Date.parse(r.createdAt) / 1000),
                value: rows.map((r) => r.metrics[m]?.value ?? null),
                lo: rows.map((r) => r.metrics[m]?.lo ?? null),
                hi: rows.map((r) => r.metrics[m]?.hi ?? null),
              }}
            />
          ))}
      </div>
      <div class="table-wrap">
        <table class="grid" aria-label="evaluations">
          <thead>
            <tr>
              <th scope="col">evaluated</th>
              <th scope="col">run</th>
              <th scope="col">experiment</th>
              <th scope="col">model</th>
              <th scope="col">threshold rule</th>
              {metrics.map((m) => (
                <th key={m} scope="col" class="num">
                  {m} [95% CI]
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.evaluationId}>
                <td class="nowrap">{when(r.createdAt)}</td>
                <td>
                  <Link href={`/runs/${r.runId}`}>{r.runName}</Link>
                </td>
                <td>{r.experiment}</td>
                <td>{r.model ?? ''}</td>
                <td>
                  {r.thresholdRule} @ {r.threshold.toFixed(3)}
                </td>
                {metrics.map((m) => (
                  <td key={m} class="num">
                    {interval(r.metrics[m])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
