import { describe, expect, it } from 'vitest';
import { evaluate } from './evaluate.js';
import { formatMetricsMarkdown, formatMetricsTable } from './reporters.js';
import { preds, randomPredictions } from './test-fixtures.js';
import { chooseThreshold } from './threshold.js';

describe('reporters', () => {
  const threshold = chooseThreshold(randomPredictions(41, 60), { rule: 'target-recall', target: 0.95 });
  const report = evaluate({ predictions: randomPredictions(42, 80), threshold: threshold.value, thresholdRule: threshold, bootstrap: { replicates: 100, seed: 1 } });

  it('prints every metric with its value and interval, image and patient level, without colour codes', () => {
    const text = formatMetricsTable(report);
    expect(text.includes('\u001b[')).toBe(false);
    for (const label of ['Precision (PPV)', 'Recall (sensitivity)', 'Specificity', 'NPV', 'F1', 'ROC-AUC', 'PR-AUC', 'Brier score', 'ECE', 'Confusion']) {
      expect(text).toContain(label);
    }
    const recall = report.image.metrics.recall;
    expect(text).toContain(`[${recall.lo?.toFixed(3)}, ${recall.hi?.toFixed(3)}]`);
    expect(text).toContain('target-recall 0.950');
    expect(text).toContain('100 patient-bootstrap replicates, seed 1');
  });

  it('renders Markdown with one row per metric', () => {
    const md = formatMetricsMarkdown(report);
    const lines = md.split('\n').filter((l) => l.startsWith('|'));
    expect(lines[0]).toBe('| Metric | Image | Image 95% CI | Patient | Patient 95% CI |');
    expect(lines).toHaveLength(2 + 10 + 2);
    expect(md).toContain(`| ROC-AUC | ${report.image.metrics.rocAuc.value?.toFixed(3)} |`);
  });

  it('shows n/a for undefined metrics', () => {
    const degenerate = evaluate({ predictions: preds([[0, 0.2], [0, 0.3]]), threshold: 0.5, bootstrap: { replicates: 10 } });
    expect(formatMetricsTable(degenerate)).toMatch(/Recall \(sensitivity\)\s+│ n\/a/);
    expect(formatMetricsMarkdown(degenerate)).toContain('| ROC-AUC | n/a |');
  });
});
