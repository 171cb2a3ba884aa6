import { existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { splitFingerprint } from '@leakproof/audit';
import type { AuditRecord, RegistryApi, RunDetail } from '@leakproof/registry';
import type { ExperimentContext } from './context.js';
import { mlflowClientBackend, ProblemError, UsageError } from '@leakproof/core';
import { loadManifest } from './manifest.js';
import { readRunFile, runDir, type RunFile } from './run-files.js';
import { planSplits, type SplitPlan } from './split-plan.js';

export interface RunOnDisk {
  run: RunDetail;
  file: RunFile;
  audit: AuditRecord;
  dir: string;
}

const listRuns = 'list runs with `leakproof runs list`';

/**
 * The registry's run, its run directory and its audit, checked to belong together: a run directory left by
 * another registry (another DATABASE_URL, a deleted .leakproof/registry) has the same id but another audit
 * or creation time.
 */
export async function loadRunOnDisk(ctx: ExperimentContext, registry: RegistryApi, runId: number): Promise<RunOnDisk> {
  const run = await registry.getRun(runId);
  if (!run) throw new UsageError(`no run ${runId} in the registry`, listRuns);
  const dir = runDir(ctx.cwd, runId);
  if (run.backend === mlflowClientBackend && !existsSync(join(dir, 'run.json'))) {
    throw new UsageError(
      `run ${runId} was created by an MLflow client, so leakproof planned no splits for it and has nothing to evaluate its predictions against`,
      'start the trainer with `leakproof run --dataset DIR -- <command>`: it plans and audits the splits, hands them to the command and binds the run (MLFLOW_RUN_ID), so `leakproof eval <run> --predictions` works',
    );
  }
  const file = await readRunFile(dir, runId);
  const audit = run.audit;
  const created = run.createdAt.toISOString();
  if (file.runId !== runId || file.auditId !== run.auditId || audit.fingerprint !== file.fingerprint || (file.runCreatedAt !== undefined && file.runCreatedAt !== created)) {
    throw new UsageError(
      `${dir} does not belong to run ${runId} of this registry (it was written for a run of another store: audit ${file.auditId}, fingerprint ${file.fingerprint.slice(0, 12)})`,
      'use the registry the run was recorded in (same folder, same DATABASE_URL or none)',
    );
  }
  return { run, file, audit, dir };
}

/** The data as it is now, planned the same way, must be exactly what the run's audit saw. */
export async function planStillMatchesAudit(ctx: ExperimentContext, { run, file, audit }: RunOnDisk): Promise<{ root: string; plan: SplitPlan }> {
  const manifest = await loadManifest(ctx, file.experiment);
  const plan = planSplits(manifest.images, file.experiment);
  const now = splitFingerprint(plan.images);
  if (now !== file.fingerprint || now !== audit.fingerprint) {
    throw new ProblemError(
      `the data of run ${run.id} changed since its audit (fingerprint ${audit.fingerprint.slice(0, 12)} then, ${now.slice(0, 12)} now)`,
      `re-audit with \`leakproof audit ${manifest.root}\` and train a new run`,
    );
  }
  return { root: manifest.root, plan };
}

/** Only an interrupted run continues; every other state says why not and what to do instead. */
export function requireResumable(run: RunDetail): void {
  const fresh = 'start a new run with `leakproof train --config <file>`';
  if (run.archived) throw new UsageError(`run ${run.id} is archived and cannot be resumed`, fresh);
  if (run.status === 'finished') throw new UsageError(`run ${run.id} already finished; there is nothing to resume`, `evaluate it (\`leakproof eval ${run.id}\`) or ${fresh}`);
  if (run.status === 'failed') throw new UsageError(`run ${run.id} failed; a failed run is not resumed (its last state may be what failed)`, fresh);
  if (run.status === 'running') {
    throw new UsageError(`run ${run.id} is still running (pid ${run.pid ?? '?'} on ${run.hostname ?? '?'})`, 'wait for it or stop it with Ctrl-C; a run whose process died is marked interrupted the next time the registry opens');
  }
}

export async function checkpointOf(dir: string): Promise<string | undefined> {
  try {
    await access(join(dir, 'checkpoint', 'state.json'));
    return dir;
  } catch {
    return undefined;
  }
}
