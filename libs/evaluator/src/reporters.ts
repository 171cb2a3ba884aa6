import Table from 'cli-table3';
import { metricNames, type MetricName } from './metrics.js';
import { fmt } from './plots/render-svg.js';
import type { EvaluationReport, MetricInterval } from './report-schema.js';

export const metricLabels: Record<MetricName, string> = {
  accuracy: 'Accuracy',
  precision: 'Precision (PPV)',
  recall: 'Recall (sensitivity)',
  specificity: 'Specificity',
  npv: 'NPV',
  f1: 'F1',
  rocAuc: 'ROC-AUC',
  prAuc: 'PR-AUC (avg precision)',
  brier: 'Brier score',
  ece: 'ECE',
};

const interval = (m: MetricInterval): string => (m.lo === null || m.hi === null ? '' : `[${fmt(m.lo)}, ${fmt(m.hi)}]`);

function rows(report: EvaluationReport): string[][] {
  const metricRows = metricNames.map((m) => [
    metricLabels[m],
    fmt(report.image.metrics[m].value),
    interval(report.image.metrics[m]),
    fmt(report.patient.metrics[m].value),
    interval(report.patient.metrics[m]),
  ]);
  const cm = (l: EvaluationReport['image']) => `TP ${l.confusion.tp} FP ${l.confusion.fp} TN ${l.confusion.tn} FN ${l.confusion.fn}`;
  return [
    ...metricRows,
    ['Confusion', cm(report.image), '', cm(report.patient), ''],
    ['n (pos / neg)', `${report.image.n} (${report.image.positives} / ${report.image.negatives})`, '', `${report.patient.n} (${report.patient.positives} / ${report.patient.negatives})`, ''],
  ];
}

function caption(report: EvaluationReport): string {
  const t = report.threshold;
  const rule = t.rule === 'target-recall' ? `target-recall ${fmt(t.target ?? null)}` : t.rule;
  const b = report.bootstrap;
  const ci = b.replicates > 0 ? `${Math.round(b.level * 100)}% CI: ${b.replicates} patient-bootstrap replicates, seed ${b.seed}` : 'no bootstrap intervals';
  return `threshold ${fmt(t.value, 4)} (${rule}, chosen on validation)${t.note ? ` — ${t.note}` : ''}; ${ci}`;
}

const header = ['Metric', 'Image', `Image ${'95%'} CI`, 'Patient', `Patient ${'95%'} CI`];
const headerFor = (report: EvaluationReport): string[] => header.map((h) => h.replace('95%', `${Math.round(report.bootstrap.level * 100)}%`));

/** Plain-text table (no colours) of every metric with its interval, image and patient level side by side. */
export function formatMetricsTable(report: EvaluationReport): string {
  const table = new Table({
    head: headerFor(report),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows(report)) table.push(row);
  return `${table.toString()}\n${caption(report)}\n`;
}

/** The same table as GitHub-flavoured Markdown. */
export function formatMetricsMarkdown(report: EvaluationReport): string {
  const head = headerFor(report);
  const lines = [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...rows(report).map((r) => `| ${r.join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n\n_${caption(report)}_\n`;
}
