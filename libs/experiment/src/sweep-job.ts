import { defaultPolicy, splitFingerprint } from '@leakproof/audit';
import { InterruptedError, ProblemError } from '@leakproof/core';
import type { ExperimentContext, RegistryOpener } from './context.js';
import { loadExperimentConfig } from './experiment-config.js';
import type { RegistryApi } from '@leakproof/registry';
import { runDir } from './run-files.js';
import { checkpointOf } from './run-on-disk.js';
import { loadManifest, resumeTrainRun, trainRun, type TrainedRun } from './run-training.js';
import { planSplits } from './split-plan.js';

/** One job of a sweep as the queue delivers it (validated by the caller against the queue's schema). */
export interface SweepJobInput {
  sweepId: string;
  index: number;
  /** the sweep's base experiment config, as parsed JSON */
  config: Record<string, unknown>;
  /** the base config file's text, kept verbatim in the run */
  verbatim: string;
  overrides: string[];
  /** split fingerprint the sweep audited */
  fingerprint: string;
  auditId: number;
}

/**
 * One configuration of a sweep, on a worker: the same split plan the sweep audited (checked by fingerprint),
 * trained by the built-in trainer, recorded as a run bound to the sweep's audit and tagged with the sweep id.
 * A configuration that already has a finished run (a retried job) is not trained twice, and one stopped
 * before it finished is resumed where this worker sees its checkpoint. Aborting `ctx.signal` stops training at
 * a checkpoint and fails the job (InterruptedError).
 */
export async function runSweepJob(
  ctx: ExperimentContext,
  withRegistry: RegistryOpener,
  job: SweepJobInput,
  context: { jobId: string; log: (line: string) => void },
): Promise<{ runId: number; reused: boolean }> {
  const loaded = await loadExperimentConfig(ctx.cwd, undefined, job.overrides, job.config);
  loaded.verbatim = JSON.stringify({ sweep: job.sweepId, base: JSON.parse(job.verbatim) as unknown, overrides: job.overrides }, null, 2);
  return withRegistry(async (registry) => {
    const done = await registry.queryRuns(`tags.sweep = '${job.sweepId}' and tags.sweep_job = '${job.index}' and attributes.status = 'finished'`);
    if (done[0]) {
      context.log(`sweep ${job.sweepId} #${job.index}: run ${done[0].id} already finished`);
      return { runId: done[0].id, reused: true };
    }
    const resumed = await resumeInterrupted(ctx, registry, job, context.log);
    if (resumed) return resumed;
    const manifest = await loadManifest(ctx, loaded.config);
    const plan = planSplits(manifest.images, loaded.config);
    const fingerprint = splitFingerprint(plan.images);
    if (fingerprint !== job.fingerprint) {
      throw new ProblemError(`the data under ${manifest.root} changed since sweep ${job.sweepId} audited it (planned splits ${fingerprint.slice(0, 12)} now, ${job.fingerprint.slice(0, 12)} then)`, 'start a new sweep on the data as it is now');
    }
    context.log(`sweep ${job.sweepId} #${job.index}: training ${job.overrides.join(' ') || '(base config)'}`);
    const trained = await trainRun(ctx, registry, loaded, defaultPolicy, { plan, report: { fingerprint }, record: { id: job.auditId }, tags: { sweep: job.sweepId, sweep_job: String(job.index) } });
    return outcome(job, trained);
  });
}

/** A stopped run is not this configuration's result: the job must fail so the queue retries it (and the retry resumes it). */
function outcome(job: SweepJobInput, trained: TrainedRun): { runId: number; reused: boolean } {
  if (trained.result.interrupted) throw new InterruptedError(`sweep ${job.sweepId} #${job.index}: training stopped before it finished; run ${trained.run.id} is marked interrupted`);
  return { runId: trained.run.id, reused: false };
}

/**
 * A retried job whose earlier attempt was stopped (worker restart, lease handed on) continues that run from its
 * checkpoint when this worker sees its run directory - the trainer's resume is bit-identical, so the sweep's
 * result does not depend on restarts. Elsewhere (another machine's .leakproof/runs) it trains a new run.
 */
async function resumeInterrupted(ctx: ExperimentContext, registry: RegistryApi, job: SweepJobInput, log: (line: string) => void): Promise<{ runId: number; reused: boolean } | undefined> {
  const [stopped] = await registry.queryRuns(`tags.sweep = '${job.sweepId}' and tags.sweep_job = '${job.index}' and attributes.status = 'interrupted'`, { orderBy: 'attributes.created desc' });
  if (!stopped || !(await checkpointOf(runDir(ctx.cwd, stopped.id)))) return undefined;
  log(`sweep ${job.sweepId} #${job.index}: resuming interrupted run ${stopped.id} from its checkpoint`);
  return outcome(job, await resumeTrainRun(ctx, registry, stopped.id));
}
