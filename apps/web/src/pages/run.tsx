import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api } from '../api';
import { EvaluationView } from '../components/evaluation';
import { PredictionGallery } from '../components/gallery';
import { MetricCharts } from '../components/metric-charts';
import { Badge, ErrorBox, KeyValueColumns, KeyValues, Loading } from '../components/status';
import { useData } from '../components/use-data';
import { flattenParams, shortHash, when } from '../format';

export function RunPage({ id }: { id: number }) {
  const run = useData(() => api.run(id), String(id), { pollMs: 3000, poll: (r) => r?.status === 'running' });
  // metric history polls while the run trains, so its charts grow without a reload
  const history = useData(() => api.metrics(id), String(id), { pollMs: 1500, poll: (h) => !h || h.status === 'running' });
  const [gallery, setGallery] = useState<number | null>(null);
  if (run.error) return <ErrorBox title={`Run ${id}`} error={run.error} />;
  if (!run.data) return <Loading title={`Run ${id}`} what={`run ${id}`} />;
  const r = run.data;
  const a = r.audit;
  return (
    <section>
      <h1>
        <span class="muted">run {r.id}</span> {r.name} <Badge kind={r.status}>{r.status}</Badge> {r.archived && <Badge kind="archived">archived</Badge>}
      </h1>
      <p>
        <Link href={`/compare?ids=${r.id}`}>compare…</Link> ·{' '}
        <button
          type="button"
          class="link"
          onClick={() => {
            void api.archive(r.id, !r.archived).then(run.reload);
          }}
        >
          {r.archived ? 'restore' : 'archive'}
        </button>
      </p>
      <div class="columns-2">
        <div>
          <h2>Run</h2>
          <KeyValues
            rows={[
              ['experiment', r.experiment],
              ['model', r.model ?? ''],
              ['backend', r.backend ?? ''],
              ['host', `${r.hostname ?? '?'}${r.threads ? ` · ${r.threads} threads` : ''}`],
              ['seed', r.seed ?? ''],
              ['git commit', r.gitCommit ? `${shortHash(r.gitCommit)}${r.gitDirty ? ' (dirty: uncommitted changes)' : ' (clean)'}` : 'unknown'],
              ['created', when(r.createdAt)],
              ['finished', when(r.finishedAt)],
              ['last heartbeat', when(r.heartbeatAt)],
            ]}
          />
        </div>
        <div>
          <h2>Audit</h2>
          <p class="audit-badge">
            <Badge kind={a.verdict}>{a.verdict === 'pass' ? 'audit passed' : 'audit failed'}</Badge>{' '}
            <Link href={`/audits/${a.id}`}>audit {a.id}</Link> of {a.datasetName}
          </p>
          <KeyValues
            rows={[
              ['fingerprint', <Link href={`/history?fingerprint=${a.fingerprint}`} title="evaluations on this split over time">
                <span class="mono">{shortHash(a.fingerprint, 16)}</span>
              </Link>],
              ['splits', a.splits.map((s) => `${s.name} ${s.images} img / ${s.patients} patients`).join(' · ')],
              ['audited', when(a.createdAt)],
            ]}
          />
          <h2>Tags</h2>
          <KeyValues rows={Object.entries(r.tags)} />
        </div>
      </div>
      <h2>Params</h2>
      <KeyValueColumns rows={Object.entries(flattenParams(r.params))} />
      {r.config && (
        <details>
          <summary>config as recorded</summary>
          <pre class="mono config">{r.config}</pre>
        </details>
      )}
      <h2>Metrics</h2>
      {history.error && <ErrorBox error={history.error} />}
      {history.data ? <MetricCharts charts={history.data.series.map((s) => ({ key: s.key, lines: [{ label: s.key, points: s.points }] }))} /> : <Loading what="metrics" />}
      <h2>Evaluations</h2>
      {r.evaluations.length === 0 && <p class="muted">not evaluated yet: leakproof eval {r.id}</p>}
      {r.evaluations.map((e) => (
        <article key={e.id} class="card">
          <h3>
            evaluation {e.id} on {e.split} <span class="muted">{when(e.createdAt)}</span>
          </h3>
          <EvaluationView evaluation={e} />
          {e.hasPredictions && (
            <>
              <button type="button" aria-expanded={gallery === e.id} onClick={() => setGallery(gallery === e.id ? null : e.id)}>
                {gallery === e.id ? 'hide' : 'show'} per-image predictions
              </button>
              {gallery === e.id && <PredictionGallery evaluationId={e.id} />}
            </>
          )}
        </article>
      ))}
    </section>
  );
}
