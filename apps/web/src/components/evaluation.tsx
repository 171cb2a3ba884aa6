import type { UiEvaluation } from '@leakproof/core';
import { fixed, interval } from '../format';

const order = ['precision', 'recall', 'specificity', 'f1', 'accuracy', 'rocAuc', 'prAuc', 'brier', 'ece'];

const sortedKeys = (metrics: Record<string, unknown>) =>
  Object.keys(metrics).sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));

/** One evaluation: threshold rule and value, metrics with 95% intervals at image and patient level, confusion, plots. */
export function EvaluationView({ evaluation: e }: { evaluation: UiEvaluation }) {
  const patient = e.patientLevel ?? {};
  const keys = sortedKeys({ ...e.metrics, ...patient });
  return (
    <div class="evaluation">
      <p>
        split <strong>{e.split}</strong> · threshold <span class="mono">{fixed(e.threshold, 4)}</span> chosen on validation by rule{' '}
        <strong>{e.thresholdRule}</strong> · {e.finished ? 'finished' : 'in progress'}
      </p>
      <div class="eval-grid">
        <table class="grid metrics" aria-label={`evaluation ${e.id} metrics`}>
          <thead>
            <tr>
              <th scope="col">metric</th>
              <th scope="col" class="num">
                image level [95% CI]
              </th>
              <th scope="col" class="num">
                patient level [95% CI]
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k}>
                <th scope="row">{k}</th>
                <td class="num">{interval(e.metrics[k])}</td>
                <td class="num">{interval(patient[k])}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class="grid confusion" aria-label="confusion matrix">
          <thead>
            <tr>
              <th scope="col"></th>
              <th scope="col" class="num">
                predicted +
              </th>
              <th scope="col" class="num">
                predicted −
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">actual +</th>
              <td class="num">{e.confusion.tp}</td>
              <td class="num">{e.confusion.fn}</td>
            </tr>
            <tr>
              <th scope="row">actual −</th>
              <td class="num">{e.confusion.fp}</td>
              <td class="num">{e.confusion.tn}</td>
            </tr>
          </tbody>
        </table>
      </div>
      {e.plots.length > 0 && (
        <div class="plots">
          {e.plots.map((p) => (
            <figure key={p.url}>
              <img src={p.url} alt={`${p.name} plot`} loading="lazy" />
              <figcaption>{p.name}</figcaption>
            </figure>
          ))}
        </div>
      )}
    </div>
  );
}
