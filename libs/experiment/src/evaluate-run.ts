import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chooseThreshold, evaluate, formatMetricsTable, renderPlots, writePlots, type EvaluationReport, type PlotClasses, type Prediction, type ThresholdRule } from '@leakproof/evaluator';
import type { RegistryApi } from '@leakproof/registry';
import { predict } from '@leakproof/trainer';
import type { ExperimentContext } from './context.js';
import { ProblemError, UsageError } from '@leakproof/core';
import { readExternalPredictions } from './external-predictions.js';
import { storePredictionsArtifact } from './predictions-artifact.js';
import { thresholdRuleOf } from './experiment-config.js';
import { plotClassesOf } from './plot-classes.js';
import { recordArtifacts } from './run-files.js';
import { loadRunOnDisk, planStillMatchesAudit } from './run-on-disk.js';

export interface RunEvaluation {
  runId: number;
  split: string;
  /** 'built-in' when the run's own model predicted, else the external predictions files */
  source: 'built-in' | { predictions: string; valPredictions: string };
  report: EvaluationReport;
  plots: Record<string, string>;
  /** the per-image predictions CSV stored as an artifact */
  predictionsFile: string;
  table: string;
}

/** An external model's predictions: CSV files with columns path, prob (see external-predictions.ts). */
export interface ExternalPredictionFiles {
  predictions: string;
  /** required unless the evaluated split is 'val' itself */
  valPredictions?: string;
}

/**
 * Threshold chosen on the run's validation split by the recorded rule, then applied unchanged to `split`.
 * Refuses a split outside the run's audit and data whose fingerprint changed since that audit. Predictions
 * come from the run's own model or, with `external`, from files whose every row is checked against the
 * audited manifest.
 */
export async function evaluateRun(ctx: ExperimentContext, registry: RegistryApi, runId: number, split: string, external?: ExternalPredictionFiles): Promise<RunEvaluation> {
  const bound = await loadAuditedRun(ctx, registry, runId, split);
  const { dir, file, root, images } = bound;
  const rule: ThresholdRule = thresholdRuleOf(file.experiment);
  const valImages = images.filter((i) => i.split === 'val');
  let valPreds: Prediction[];
  let preds: Prediction[];
  if (external) {
    const valFile = external.valPredictions ?? (split === 'val' ? external.predictions : undefined);
    if (!valFile) throw new UsageError('--predictions needs --val-predictions: the threshold is chosen on validation predictions only', `pass --val-predictions with one row per image of split 'val'`);
    const read = async (path: string, s: string) => {
      const got = await readExternalPredictions(path, { root, images, split: s, positiveClass: file.experiment.positiveClass });
      if (got.ignoredColumns.length > 0) ctx.log(`${path}: ignoring columns ${got.ignoredColumns.join(', ')} (labels and patients come from the audited manifest)`);
      return got.predictions;
    };
    valPreds = await read(valFile, 'val');
    preds = split === 'val' ? valPreds : await read(external.predictions, split);
  } else {
    const modelDir = join(dir, 'model');
    if (!existsSync(modelDir)) {
      throw new UsageError(`run ${runId} has no built-in model (it was trained by an external command)`, `evaluate its predictions: leakproof eval ${runId} --predictions test.csv --val-predictions val.csv`);
    }
    const backendConfig = { backend: 'auto' as const, workers: 2 };
    ctx.log(`predicting ${valImages.length} validation images to choose the threshold…`);
    valPreds = await predict({ root, images: valImages, modelDir, config: backendConfig });
    preds = split === 'val' ? valPreds : await predict({ root, images: images.filter((i) => i.split === split), modelDir, config: backendConfig });
  }
  const choice = chooseThreshold(valPreds, rule);
  ctx.log(`threshold ${choice.value.toFixed(4)} by rule ${choice.rule}${choice.target !== undefined ? ` (target recall ${choice.target})` : ''}`);
  const report = evaluate({ predictions: preds, threshold: choice.value, thresholdRule: choice, bootstrap: file.experiment.bootstrap });
  const plots = await writeEvaluationPlots(registry, runId, dir, split, report, plotClassesOf(images, [...valPreds, ...preds]));

  const evaluation = await registry.recordEvaluation({
    runId,
    split,
    threshold: choice.value,
    thresholdRule: JSON.stringify(choice),
    confusion: report.image.confusion,
    metrics: report.image.metrics,
    patientLevel: report.patient,
    finished: true,
  });
  const parts = split === 'val' ? [{ split, predictions: preds }] : [{ split: 'val', predictions: valPreds }, { split, predictions: preds }];
  const predictionsFile = await storePredictionsArtifact(registry, { runId, runDir: dir, evaluationId: evaluation.id, split, threshold: choice.value, parts });
  const entries = Object.entries(report.image.metrics)
    .filter(([, m]) => m.value !== null)
    .flatMap(([name, m]) => [
      { key: `${split}_${name}`, step: 0, value: m.value as number },
      ...(split === 'test' ? [{ key: name, step: 0, value: m.value as number }] : []),
    ]);
  await registry.logMetrics(runId, entries);
  const source = external ? { predictions: external.predictions, valPredictions: external.valPredictions ?? external.predictions } : ('built-in' as const);
  return { runId, split, source, report, plots, predictionsFile, table: formatMetricsTable(report) };
}

/** The finished run, its run file and the data as it is now, planned the same way, checked to be exactly what was audited. */
async function loadAuditedRun(ctx: ExperimentContext, registry: RegistryApi, runId: number, split: string) {
  const onDisk = await loadRunOnDisk(ctx, registry, runId);
  const { run, file, dir } = onDisk;
  if (run.status !== 'finished') {
    const hint = run.status === 'interrupted' ? `finish it first: \`leakproof train --resume ${runId}\`` : 'evaluate a finished run (`leakproof runs list`)';
    throw new UsageError(`run ${runId} is ${run.status}; only a finished run is evaluated`, hint);
  }
  const auditedSplits = [...new Set(file.images.map((i) => i.split))];
  if (!auditedSplits.includes(split)) {
    throw new ProblemError(`split '${split}' is not part of run ${runId}'s audit (audited: ${auditedSplits.join(', ')})`, `evaluate one of: ${auditedSplits.join(', ')}`);
  }
  const { root, plan } = await planStillMatchesAudit(ctx, onDisk);
  return { run, dir, file, root, images: plan.images };
}

const curveKeys = ['loss', 'val_loss', 'val_recall', 'val_precision', 'val_auc'];

/** The evaluator's plots plus the training curves (the usual keys when logged, else every key logged per step). */
async function writeEvaluationPlots(registry: RegistryApi, runId: number, dir: string, split: string, report: EvaluationReport, classes?: PlotClasses): Promise<Record<string, string>> {
  const summaries = await registry.metricSummaries(runId);
  // evaluation metrics are logged at step 0 only; an external trainer's curves are whatever it logged per epoch
  const stepped = summaries.filter((s) => s.count > 1 || s.lastStep > 0).map((s) => s.key);
  const preferred = curveKeys.filter((k) => stepped.includes(k));
  const keys = preferred.length > 0 ? preferred : stepped;
  const history = await Promise.all(keys.map(async (key) => (await registry.metricHistory(runId, key)).map((p) => ({ epoch: p.step, key, value: p.value }))));
  const svgs = await renderPlots(report, { training: history.flat(), ...(classes ? { classes } : {}) });
  const plotDir = join(dir, 'plots', split);
  const plots = await writePlots(plotDir, svgs);
  await recordArtifacts(registry, runId, plotDir, `plot:${split}`);
  return plots;
}
