import { basename, join } from 'node:path';
import type { Policy } from '@leakproof/audit';
import { buildManifest, loadDatasetConfig, parseDatasetConfig, type Manifest } from '@leakproof/ingest';
import type { RegistryApi, RunRecord } from '@leakproof/registry';
import { parseTrainConfig, train, type TrainResult } from '@leakproof/trainer';
import { selectBackend } from '@leakproof/wasm-training';
import { log, type CliContext } from '../context.js';
import { auditPlannedSplits, requirePassingAudit } from './audit-binding.js';
import type { LoadedExperimentConfig } from './experiment-config.js';
import { gitState } from './git-state.js';
import { recordArtifacts, runDir, writeRunFile } from './run-files.js';
import { planSplits, type SplitPlan } from './split-plan.js';

export interface TrainedRun {
  run: RunRecord;
  runDir: string;
  plan: SplitPlan;
  result: TrainResult;
  auditId: number;
  /** fingerprint of the planned splits the run is bound to */
  fingerprint: string;
}

export async function loadManifest(ctx: CliContext, loaded: LoadedExperimentConfig): Promise<Manifest> {
  const { dataset } = loaded.config;
  const dsConfig = typeof dataset.config === 'string' ? await loadDatasetConfig(dataset.config) : dataset.config ? parseDatasetConfig(dataset.config) : {};
  return buildManifest(dataset.root, dsConfig, { cacheDir: join(ctx.cwd, '.leakproof', 'cache') });
}

/**
 * audit check → split plan → audit of the planned splits → run record → training with every epoch streamed
 * into the registry → artifacts. The run is marked failed or interrupted on the way out, never left running.
 */
export async function trainRun(ctx: CliContext, registry: RegistryApi, loaded: LoadedExperimentConfig, policy: Policy): Promise<TrainedRun> {
  const { config } = loaded;
  const manifest = await loadManifest(ctx, loaded);
  const datasetName = basename(manifest.root);
  await requirePassingAudit(registry, manifest, datasetName);
  const plan = planSplits(manifest.images, config);
  for (const note of plan.notes) log(ctx, note);
  const { report, record } = await auditPlannedSplits(ctx, registry, { ...manifest, images: plan.images }, policy, `${datasetName} (planned splits)`);

  const trainConfig = parseTrainConfig({ positiveClass: config.positiveClass, ...config.train }, loaded.path ?? 'train config');
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
    threads: backend.threads,
  });
  const dir = runDir(ctx.cwd, run.id);
  await writeRunFile(dir, { schemaVersion: 1, runId: run.id, experiment: config, images: plan.images, auditId: record.id, fingerprint: report.fingerprint });
  log(ctx, `run ${run.id} started (audit ${record.id}); files in ${dir}`);

  const heartbeat = setInterval(() => void registry.heartbeat(run.id).catch(() => undefined), 30_000);
  let status: 'finished' | 'failed' | 'interrupted' = 'failed';
  try {
    const result = await train({
      root: manifest.root,
      images: plan.images,
      config: trainConfig,
      runDir: dir,
      stderr: ctx.stderr,
      callbacks: {
        onEpochEnd: async ({ epoch, metrics }) => {
          const entries = Object.entries(metrics)
            .filter(([, v]) => typeof v === 'number' && Number.isFinite(v))
            .map(([key, value]) => ({ key, step: epoch, value: value as number }));
          await registry.logMetrics(run.id, entries);
        },
      },
    });
    if (result.backend.skipped.length > 0) {
      await registry.setTag(run.id, 'backend_skipped', result.backend.skipped.map((b) => `${b.backend}: ${b.reason}`).join('; '));
    }
    await recordArtifacts(registry, run.id, result.modelDir, 'model');
    status = result.interrupted ? 'interrupted' : 'finished';
    return { run, runDir: dir, plan, result, auditId: record.id, fingerprint: report.fingerprint };
  } finally {
    clearInterval(heartbeat);
    await registry.finishRun(run.id, status);
  }
}
