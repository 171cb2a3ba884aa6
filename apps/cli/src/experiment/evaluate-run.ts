import { join } from 'node:path';
import { splitFingerprint } from '@leakproof/audit';
import { chooseThreshold, DEFAULT_THRESHOLD_RULE, evaluate, formatMetricsTable, renderPlots, writePlots, type EvaluationReport, type ThresholdRule } from '@leakproof/evaluator';
import type { Registry } from '@leakproof/registry';
import { predict } from '@leakproof/trainer';
import { log, type CliContext } from '../context.js';
import { ProblemError, UserError } from '../errors.js';
import { planSplits } from './split-plan.js';
import { loadManifest } from './run-training.js';
import { readRunFile, recordArtifacts, runDir } from './run-files.js';

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
  const run = await registry.getRun(runId);
  if (!run) throw new UserError(`no run ${runId} in the registry`, 'list runs with `leakproof runs list`');
  const dir = runDir(ctx.cwd, runId);
  const file = await readRunFile(dir, runId);
  const audit = await registry.getAudit(file.auditId);
  if (!audit) throw new UserError(`run ${runId}'s audit ${file.auditId} is missing from the registry`, 'use the registry the run was recorded in');
  const auditedSplits = [...new Set(file.images.map((i) => i.split))];
  if (!auditedSplits.includes(split)) {
    throw new ProblemError(`split '${split}' is not part of run ${runId}'s audit (audited: ${auditedSplits.join(', ')})`, `evaluate one of: ${auditedSplits.join(', ')}`);
  }
  // the data as it is now, planned the same way, must be exactly what was audited
  const manifest = await loadManifest(ctx, { config: file.experiment, verbatim: '', path: null });
  const plan = planSplits(manifest.images, file.experiment);
  const now = splitFingerprint(plan.images);
  if (now !== file.fingerprint || now !== audit.fingerprint) {
    throw new ProblemError(
      `the data of run ${runId} changed since its audit (fingerprint ${audit.fingerprint.slice(0, 12)} then, ${now.slice(0, 12)} now)`,
      `re-audit with \`leakproof audit ${manifest.root}\` and train a new run`,
    );
  }
  const modelDir = join(dir, 'model');
  const backendConfig = { backend: 'auto' as const, workers: 2 };
  const valImages = plan.images.filter((i) => i.split === 'val');
  const splitImages = plan.images.filter((i) => i.split === split);
  log(ctx, `predicting ${valImages.length} validation images to choose the threshold…`);
  const valPreds = await predict({ root: manifest.root, images: valImages, modelDir, config: backendConfig });
  const rule: ThresholdRule = file.experiment.threshold ?? DEFAULT_THRESHOLD_RULE;
  const choice = chooseThreshold(valPreds, rule);
  log(ctx, `threshold ${choice.value.toFixed(4)} by rule ${choice.rule}${choice.target !== undefined ? ` (target recall ${choice.target})` : ''}`);
  const preds = split === 'val' ? valPreds : await predict({ root: manifest.root, images: splitImages, modelDir, config: backendConfig });
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
