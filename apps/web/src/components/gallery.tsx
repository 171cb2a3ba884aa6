import { useState } from 'preact/hooks';
import { api } from '../api';
import { fixed } from '../format';
import { ErrorBox, Loading } from './status';
import { useData } from './use-data';

type Outcome = 'all' | 'fp' | 'fn' | 'errors' | 'tp' | 'tn';
const PAGE = 48;

/** The evaluation's per-image predictions; thumbnails come from the audited dataset through row ids. */
export function PredictionGallery({ evaluationId }: { evaluationId: number }) {
  const predictions = useData(() => api.predictions(evaluationId), String(evaluationId));
  const [outcome, setOutcome] = useState<Outcome>('errors');
  const [patient, setPatient] = useState('');
  const [sort, setSort] = useState<'desc' | 'asc'>('desc');
  const [shown, setShown] = useState(PAGE);
  if (predictions.error) return <ErrorBox error={predictions.error} />;
  if (!predictions.data) return <Loading what="predictions" />;
  const rows = predictions.data.rows
    .filter((r) => r.split === predictions.data?.split)
    .filter((r) => (outcome === 'all' ? true : outcome === 'errors' ? r.outcome === 'fp' || r.outcome === 'fn' : r.outcome === outcome))
    .filter((r) => !patient || r.patient.toLowerCase().includes(patient.toLowerCase()))
    .sort((a, b) => (sort === 'desc' ? b.prob - a.prob : a.prob - b.prob));
  return (
    <div class="gallery-block">
      <div class="toolbar">
        <label>
          show{' '}
          <select value={outcome} onChange={(e) => setOutcome((e.target as HTMLSelectElement).value as Outcome)}>
            <option value="errors">errors (FP + FN)</option>
            <option value="fp">false positives</option>
            <option value="fn">false negatives</option>
            <option value="tp">true positives</option>
            <option value="tn">true negatives</option>
            <option value="all">all</option>
          </select>
        </label>
        <label>
          patient <input type="search" value={patient} onInput={(e) => setPatient((e.target as HTMLInputElement).value)} placeholder="any" />
        </label>
        <label>
          confidence{' '}
          <select value={sort} onChange={(e) => setSort((e.target as HTMLSelectElement).value as 'asc' | 'desc')}>
            <option value="desc">highest first</option>
            <option value="asc">lowest first</option>
          </select>
        </label>
        <span class="muted">
          {rows.length} images on {predictions.data.split}
        </span>
      </div>
      <ul class="gallery" aria-label="predictions">
        {rows.slice(0, shown).map((r) => (
          <li key={r.row} class={`pred pred-${r.outcome}`}>
            <img src={r.imageUrl} alt={r.path} width={128} height={128} />
            <span class="pred-meta">
              <strong>{r.outcome.toUpperCase()}</strong> p={fixed(r.prob)} <br />
              <span class="mono small" title={r.path}>
                {r.patient}
              </span>
            </span>
          </li>
        ))}
      </ul>
      {rows.length > shown && (
        <button type="button" onClick={() => setShown(shown + PAGE)}>
          show more
        </button>
      )}
    </div>
  );
}
