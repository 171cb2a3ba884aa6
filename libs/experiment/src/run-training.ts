import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Policy } from '@leakproof/audit';
import type { Manifest } from '@leakproof/ingest';
import { InterruptedError, UsageError } from '@leakproof/core';
import type { RegistryApi, RunDetail, RunRecord } from '@leakproof/registry';
import { parseRecordedTrainConfig, train, trainConfigSchema, trainingThreads, type TrainConfig, type TrainResult } from '@leakproof/trainer';
import { selectBackend } from '@leakproof/wasm-training';
import type { ExperimentContext } from './context.js';
import { auditPlannedSplits, requirePassingAudit } from './audit-binding.js';
import { checkpointOf, loadRunOnDisk, planStillMatchesAudit, requireResumable, type RunOnDisk } from './run-on-disk.js';
import { builtInTrainConfig, type ExperimentConfig, type LoadedExperimentConfig } from './experiment-config.js';
import { gitState } from './git-state.js';
import { loadManifest } from './manifest.js';
import { recordArtifacts, runDir, writeRunFile } from './run-files.js';
import { planSplits, type SplitPlan } from './split-plan.js';

export { loadManifest } from './manifest.js';

export interface TrainedRun {
  run: RunRecord;
  runDir: string;
  plan: SplitPlan;
  result: TrainResult;
  auditId: number;
  /** fingerprint of the planned splits the run is bound to */
  fingerprint: string;
  /** true when this call continued an interrupted run */
  resumed: boolean;
}

/** A run record bound to an audit, with everything training needs. */
interface BoundRun {
  run: RunRecord;
  dir: string;
  root: string;
  plan: SplitPlan;
  trainConfig: TrainConfig;
  auditId: number;
  fingerprint: string;
  /** the run directory holding the checkpoint to continue from */
  resumeFrom?: string;
}

/** A split plan already audited and recorded (a sweep binds all its runs to one), and tags for the run. */
export interface BoundPlan {
  plan: SplitPlan;
  report: { fingerprint: string };
  record: { id: number };
  tags?: Record<string, string>;
}

/** audit check of the data as it is → split plan → audit of the planned splits, recorded. */
export async function auditedPlan(ctx: ExperimentContext, registry: RegistryApi, manifest: Manifest, config: ExperimentConfig, policy: Policy): Promise<BoundPlan> {
  const datasetName = basename(manifest.root);
  await requirePassingAudit(registry, manifest, datasetName);
  const plan = planSplits(manifest.images, config);
  for (const note of plan.notes) ctx.log(note);
  const { report, record } = await auditPlannedSplits(ctx, registry, { ...manifest, images: plan.images }, policy, `${datasetName} (planned splits)`);
  return { plan, report, record };
}

/**
 * audit check → split plan → audit of the planned splits → run record → training with every epoch streamed
 * into the registry → artifacts. The run is marked failed or interrupted on the way out, never left running.
 */
export async function trainRun(ctx: ExperimentContext, registry: RegistryApi, loaded: LoadedExperimentConfig, policy: Policy, bound?: BoundPlan): Promise<TrainedRun> {
  return trainBoundRun(ctx, registry, await startRun(ctx, registry, loaded, policy, bound));
}

/**
 * Continues an interrupted run: same run id and audit, config from the run's own record, data re-checked
 * against that audit, training from the last checkpoint (the trainer's resume is bit-identical).
 */
export async function resumeTrainRun(ctx: ExperimentContext, registry: RegistryApi, runId: number): Promise<TrainedRun> {
  const onDisk = await loadRunOnDisk(ctx, registry, runId);
  requireResumable(onDisk.run);
  const { root, plan } = await planStillMatchesAudit(ctx, onDisk);
  const trainConfig = resolvedTrainConfig(onDisk);
  const resumeFrom = await checkpointOf(onDisk.dir);
  const run = await registry.resumeRun(runId);
  ctx.log(resumeFrom ? `resuming run ${runId} from its checkpoint in ${onDisk.dir}` : `run ${runId} has no checkpoint yet: training it again from epoch 1`);
  return trainBoundRun(ctx, registry, { run, dir: onDisk.dir, root, plan, trainConfig, auditId: onDisk.audit.id, fingerprint: onDisk.audit.fingerprint, resumeFrom });
}

/**
 * The config the run started with, defaults as they were then: from its run file, or for a run file written
 * before that was recorded, from the run's params in the registry (the same resolved config, write-once).
 * Re-resolving the raw config would pick up today's defaults and the checkpoint would refuse it; fields added
 * since the run was recorded read as they trained then (parseRecordedTrainConfig).
 */
function resolvedTrainConfig({ file, run }: RunOnDisk): TrainConfig {
  const source = `run ${run.id}'s recorded config`;
  return parseRecordedTrainConfig(file.trainConfig ?? trainParamsOf(run), source);
}

function trainParamsOf(run: RunDetail): Record<string, unknown> {
  // params also hold dataset and split notes, and whatever a tracking client logged beside them
  const fields = Object.keys(trainConfigSchema.shape);
  return Object.fromEntries(Object.entries(run.params).filter(([key]) => fields.includes(key)));
}

async function startRun(ctx: ExperimentContext, registry: RegistryApi, loaded: LoadedExperimentConfig, policy: Policy, bound?: BoundPlan): Promise<BoundRun> {
  const { config } = loaded;
  // a mistyped train.* field is refused before the data is read, audited or recorded
  const trainConfig = builtInTrainConfig(loaded);
  requirePretrainedModel(ctx, trainConfig);
  const manifest = await loadManifest(ctx, config);
  requirePositiveClass(manifest, trainConfig, config);
  const { plan, report, record, tags } = bound ?? (await auditedPlan(ctx, registry, manifest, config, policy));

  const git = await gitState(ctx.cwd);
  // chosen before the run exists so the run record names the backend that will actually train
  const backend = await selectBackend({ prefer: trainConfig.backend });
  const run = await registry.createRun({
    experiment: config.experiment,
    name: config.name ?? `${trainConfig.model === 'cnn4' || trainConfig.model === 'resnet-s' ? trainConfig.model : 'pretrained'}-${new Date().toISOString().slice(0, 19)}`,
    auditId: record.id,
    params: { ...trainConfig, dataset: manifest.root, valCarved: plan.valCarved, testCarved: plan.testCarved },
    seed: trainConfig.seed,
    gitCommit: git.commit,
    gitDirty: git.dirty,
    backend: `${backend.name} (${backend.kernels} kernels, ${backend.version})`,
    model: typeof trainConfig.model === 'string' ? trainConfig.model : 'pretrained',
    config: loaded.verbatim,
    threads: trainingThreads(trainConfig, backend),
  });
  const dir = runDir(ctx.cwd, run.id);
  await writeRunFile(dir, {
    schemaVersion: 1,
    runId: run.id,
    runCreatedAt: run.createdAt.toISOString(),
    experiment: config,
    images: plan.images,
    auditId: record.id,
    fingerprint: report.fingerprint,
    trainConfig,
  });
  for (const [key, value] of Object.entries(tags ?? {})) await registry.setTag(run.id, key, value);
  ctx.log(`run ${run.id} started (audit ${record.id}); files in ${dir}`);
  return { run, dir, root: manifest.root, plan, trainConfig, auditId: record.id, fingerprint: report.fingerprint };
}

/** A pretrained model that is not there is refused before the audit and the run record, like every other bad field. */
function requirePretrainedModel(ctx: ExperimentContext, trainConfig: TrainConfig): void {
  if (typeof trainConfig.model !== 'object') return;
  const dir = resolve(ctx.cwd, trainConfig.model.pretrained);
  if (existsSync(join(dir, 'model.json'))) return;
  throw new UsageError(
    `train.model.pretrained '${trainConfig.model.pretrained}': no model.json in ${dir}`,
    'point it at a TF.js Layers model folder (model.json + weights), relative to the folder you run leakproof in',
  );
}

/**
 * A positive class no image has (a typo, or a dataset whose classes are not NORMAL/PNEUMONIA) is refused before
 * the audit and the run record: the trainer would only find it out after the run was created, leaving a failed run.
 */
function requirePositiveClass(manifest: Manifest, trainConfig: TrainConfig, config: ExperimentConfig): void {
  const labels = [...new Set(manifest.images.map((i) => i.label))].sort();
  if (labels.includes(trainConfig.positiveClass)) return;
  const field = config.train['positiveClass'] !== undefined ? 'train.positiveClass' : 'positiveClass';
  throw new UsageError(
    `no image of ${manifest.root} has the positive class '${trainConfig.positiveClass}' (${field}; labels found: ${labels.join(', ') || 'none'})`,
    `name the class to detect with --set ${field}=<label> or "${field}" in the experiment file, e.g. --set ${field}=${labels.find((l) => l !== 'NORMAL') ?? labels[0] ?? 'PNEUMONIA'}`,
  );
}

async function trainBoundRun(ctx: ExperimentContext, registry: RegistryApi, bound: BoundRun): Promise<TrainedRun> {
  const { run, dir } = bound;
  // epochs already in the registry (a resumed run); a process killed between checkpoint and metric write
  // leaves an epoch in the checkpoint's history only, and it is written after training
  const logged = new Set(bound.resumeFrom ? (await registry.metricHistory(run.id, 'loss')).map((p) => p.step) : []);
  const logEpoch = async (epoch: number, metrics: object) => {
    const entries = Object.entries(metrics)
      .filter(([key, v]) => key !== 'epoch' && typeof v === 'number' && Number.isFinite(v))
      .map(([key, value]) => ({ key, step: epoch, value: value as number }));
    await registry.logMetrics(run.id, entries);
    logged.add(epoch);
  };
  const heartbeat = setInterval(() => void registry.heartbeat(run.id).catch(() => undefined), 30_000);
  let status: 'finished' | 'failed' | 'interrupted' = 'failed';
  try {
    const result = await train({
      root: bound.root,
      images: bound.plan.images,
      config: bound.trainConfig,
      runDir: dir,
      resumeFrom: bound.resumeFrom,
      stderr: ctx.stderr,
      // the caller owns the signals (a worker stops its jobs on SIGTERM or Ctrl-C): no Ctrl-C handler of our own
      ...(ctx.signal ? { signal: ctx.signal, handleSigint: false } : {}),
      callbacks: { onEpochEnd: async ({ epoch, metrics }) => logEpoch(epoch, metrics) },
    });
    for (const h of result.history as unknown as { epoch: number }[]) if (!logged.has(h.epoch)) await logEpoch(h.epoch, h);
    if (result.backend.skipped.length > 0) {
      await registry.setTag(run.id, 'backend_skipped', result.backend.skipped.map((b) => `${b.backend}: ${b.reason}`).join('; '));
    }
    if (!result.interrupted) await recordArtifacts(registry, run.id, result.modelDir, 'model');
    status = result.interrupted ? 'interrupted' : 'finished';
    return { run, runDir: dir, plan: bound.plan, result, auditId: bound.auditId, fingerprint: bound.fingerprint, resumed: bound.resumeFrom !== undefined };
  } catch (error) {
    // a second Ctrl-C: the last epoch checkpoint is intact, so the run stays resumable
    if (!(error instanceof InterruptedError)) throw error;
    status = 'interrupted';
    throw new InterruptedError(`${error.message}; run ${run.id} is marked interrupted`, { hint: `continue it with \`leakproof train --resume ${run.id}\``, cause: error });
  } finally {
    clearInterval(heartbeat);
    await registry.finishRun(run.id, status);
  }
}
