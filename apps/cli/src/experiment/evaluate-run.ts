import { join } from 'node:path';
import { chooseThreshold, DEFAULT_THRESHOLD_RULE, evaluate, formatMetricsTable, renderPlots, writePlots, type EvaluationReport, type ThresholdRule } from '@leakproof/evaluator';
import type { Registry } from '@leakproof/registry';
import { predict } from '@leakproof/trainer';
import { log, type CliContext } from '../context.js';
import { ProblemError, UserError } from '../errors.js';
import { loadRunOnDisk, planStillMatchesAudit } from './bound-run.js';
import { recordArtifacts } from './run-files.js';

export interface RunEvaluation {
  runId: number;
  split: string;
  report: EvaluationReport;
  plots: Record<string, string>;
  table: string;
}

/**
 * Threshold chosen on the run's validation split by the recorded rule, then applied unchanged to `split`.
 * Refuses a split outside the run's audit and data whose fingerprint changed since that audit.
 */
export async function evaluateRun(ctx: CliContext, registry: Registry, runId: number, split: string): Promise<RunEvaluation> {
  const onDisk = await loadRunOnDisk(ctx, registry, runId);
  const { file, dir } = onDisk;
  if (onDisk.run.status !== 'finished') {
    const hint = onDisk.run.status === 'interrupted' ? `finish it first: \`leakproof train --resume ${runId}\`` : 'evaluate a finished run (`leakproof runs list`)';
    throw new UserError(`run ${runId} is ${onDisk.run.status}; only a finished run is evaluated`, hint);
  }
  const auditedSplits = [...new Set(file.images.map((i) => i.split))];
  if (!auditedSplits.includes(split)) {
    throw new ProblemError(`split '${split}' is not part of run ${runId}'s audit (audited: ${auditedSplits.join(', ')})`, `evaluate one of: ${auditedSplits.join(', ')}`);
  }
  const { root, plan } = await planStillMatchesAudit(ctx, onDisk);
  const modelDir = join(dir, 'model');
  const backendConfig = { backend: 'auto' as const, workers: 2 };
  const valImages = plan.images.filter((i) => i.split === 'val');
  const splitImages = plan.images.filter((i) => i.split === split);
  log(ctx, `predicting ${valImages.length} validation images to choose the threshold…`);
  const valPreds = await predict({ root, images: valImages, modelDir, config: backendConfig });
  const rule: ThresholdRule = file.experiment.threshold ?? DEFAULT_THRESHOLD_RULE;
  const choice = chooseThreshold(valPreds, rule);
  log(ctx, `threshold ${choice.value.toFixed(4)} by rule ${choice.rule}${choice.target !== undefined ? ` (target recall ${choice.target})` : ''}`);
  const preds = split === 'val' ? valPreds : await predict({ root, images: splitImages, modelDir, config: backendConfig });
  const report = evaluate({ predictions: preds, threshold: choice.value, thresholdRule: choice, bootstrap: file.experiment.bootstrap });

  const history = await Promise.all(
    ['loss', 'val_loss', 'val_recall', 'val_precision', 'val_auc'].map(async (key) =>
      (await registry.metricHistory(runId, key)).map((p) => ({ epoch: p.step, key, value: p.value })),
    ),
  );
  const svgs = await renderPlots(report, { training: history.flat() });
  const plotDir = join(dir, 'plots', split);
  const plots = await writePlots(plotDir, svgs);
  await recordArtifacts(registry, runId, plotDir, `plot:${split}`);

  await registry.recordEvaluation({
    runId,
    split,
    threshold: choice.value,
    thresholdRule: JSON.stringify(choice),
    confusion: report.image.confusion,
    metrics: report.image.metrics,
    patientLevel: report.patient,
    finished: true,
  });
  const entries = Object.entries(report.image.metrics)
    .filter(([, m]) => m.value !== null)
    .flatMap(([name, m]) => [
      { key: `${split}_${name}`, step: 0, value: m.value as number },
      ...(split === 'test' ? [{ key: name, step: 0, value: m.value as number }] : []),
    ]);
  await registry.logMetrics(runId, entries);
  return { runId, split, report, plots, table: formatMetricsTable(report) };
}
