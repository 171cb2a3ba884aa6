import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Policy } from '@leakproof/audit';
import { boundCommandBackend } from '@leakproof/core';
import type { RegistryApi, RunRecord } from '@leakproof/registry';
import type { ExperimentContext } from './context.js';
import type { LoadedExperimentConfig } from './experiment-config.js';
import { gitState } from './git-state.js';
import { runDir, writeRunFile } from './run-files.js';
import { loadManifest } from './manifest.js';
import { auditedPlan } from './run-training.js';
import type { SplitPlan } from './split-plan.js';

export interface BoundRun {
  run: RunRecord;
  experimentId: number;
  runDir: string;
  root: string;
  plan: SplitPlan;
  auditId: number;
  /** fingerprint of the planned splits the run is bound to */
  fingerprint: string;
  splitFiles: { json: string; csv: string };
}

/**
 * The gate `leakproof train` applies, for a run whose training happens elsewhere: a passing audit of the
 * data as it is now, validation (and a held-out part) carved by patient and audited, the run created and
 * bound to that audit, and the planned splits written as files for the external command to read.
 */
export async function startBoundRun(
  ctx: ExperimentContext,
  registry: RegistryApi,
  loaded: LoadedExperimentConfig,
  policy: Policy,
  command: readonly string[],
): Promise<BoundRun> {
  const { config } = loaded;
  const manifest = await loadManifest(ctx, config);
  // the same gate as `train`: a passing audit of the data as it is now, then the planned splits audited
  const { plan, report, record } = await auditedPlan(ctx, registry, manifest, config, policy);

  const git = await gitState(ctx.cwd);
  const program = basename(command[0] ?? 'command');
  const run = await registry.createRun({
    experiment: config.experiment,
    name: config.name ?? `${program}-${new Date().toISOString().slice(0, 19)}`,
    auditId: record.id,
    // the config's `train` block is the external trainer's to read; recorded so runs can be queried by it
    params: { ...config.train, command: command.join(' '), dataset: manifest.root, valCarved: plan.valCarved, testCarved: plan.testCarved },
    gitCommit: git.commit,
    gitDirty: git.dirty,
    backend: boundCommandBackend,
    model: typeof config.train['model'] === 'string' ? config.train['model'] : program,
    config: loaded.verbatim,
  });
  const experiment = await registry.getOrCreateExperiment(config.experiment);
  const dir = runDir(ctx.cwd, run.id);
  await writeRunFile(dir, { schemaVersion: 1, runId: run.id, runCreatedAt: run.createdAt.toISOString(), experiment: config, images: plan.images, auditId: record.id, fingerprint: report.fingerprint });
  const splitFiles = await writeSplitFiles(dir, { runId: run.id, root: manifest.root, plan, auditId: record.id, fingerprint: report.fingerprint, positiveClass: config.positiveClass, train: config.train });
  ctx.log(`run ${run.id} started (audit ${record.id}, splits ${report.fingerprint.slice(0, 12)}); files in ${dir}`);
  return { run, experimentId: experiment.id, runDir: dir, root: manifest.root, plan, auditId: record.id, fingerprint: report.fingerprint, splitFiles };
}

/**
 * `splits.json` (the run's binding and every image) and `splits.csv` (one row per image) in the run directory.
 * Columns: path (relative to the dataset root, as the manifest and `eval --predictions` use it),
 * absolute_path, split, label, patient.
 */
async function writeSplitFiles(
  dir: string,
  s: { runId: number; root: string; plan: SplitPlan; auditId: number; fingerprint: string; positiveClass: string; train: Record<string, unknown> },
): Promise<{ json: string; csv: string }> {
  const rows = s.plan.images.map((i) => ({ path: i.path, absolute_path: join(s.root, ...i.path.split('/')), split: i.split, label: i.label, patient: i.patient }));
  const json = join(dir, 'splits.json');
  const csv = join(dir, 'splits.csv');
  const counts = Object.fromEntries(['train', 'val', 'test'].map((split) => [split, rows.filter((r) => r.split === split).length]));
  const document = { schemaVersion: 1, runId: s.runId, root: s.root, positiveClass: s.positiveClass, auditId: s.auditId, fingerprint: s.fingerprint, counts, train: s.train, images: rows };
  await writeFile(json, JSON.stringify(document, null, 1));
  await writeFile(csv, stringify(rows, { header: true, columns: ['path', 'absolute_path', 'split', 'label', 'patient'] }));
  return { json, csv };
}
