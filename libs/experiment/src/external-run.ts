import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Policy } from '@leakproof/audit';
import type { RegistryApi, RunStatus } from '@leakproof/registry';
import type { ExperimentContext } from './context.js';
import { UsageError } from '@leakproof/core';
import { startBoundRun, type BoundRun } from './external-binding.js';
import { runCommand, type CommandOutcome } from './child-command.js';
import type { LoadedExperimentConfig } from './experiment-config.js';
import { sha256File } from './run-files.js';

export interface ExternalRunResult {
  runId: number;
  status: Exclude<RunStatus, 'running'>;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  runDir: string;
  trackingUri: string;
  /** the predictions files the command left where the examples write them, ready for `eval --predictions` */
  predictions: { val: string; test: string } | null;
}

/** A server speaking the MLflow tracking API that the external command logs to (the caller starts or finds it). */
export interface TrackingEndpoint {
  /** base URL of a server speaking the MLflow tracking API, e.g. http://127.0.0.1:5000 */
  uri: string;
  /** bearer token its clients must send (MLFLOW_TRACKING_TOKEN), if it needs one */
  token?: string;
  close(): Promise<void>;
}

const heartbeatMs = 30_000;

/**
 * `leakproof run -- <command>`: the run is created and bound to its audit first, then the command runs with
 * the split files and tracking coordinates in its environment; the run's status follows the command's exit.
 */
export async function runExternal(
  ctx: ExperimentContext,
  registry: RegistryApi,
  input: { loaded: LoadedExperimentConfig; policy: Policy; argv: readonly string[]; tracking: (registry: RegistryApi) => Promise<TrackingEndpoint> },
): Promise<ExternalRunResult> {
  const bound = await startBoundRun(ctx, registry, input.loaded, input.policy, input.argv);
  const runId = bound.run.id;
  const started = Date.now();
  let outcome: CommandOutcome | null = null;
  let trackingUri = '';
  const heartbeat = setInterval(() => void registry.heartbeat(runId).catch(() => undefined), heartbeatMs);
  try {
    const tracking = await input.tracking(registry);
    trackingUri = tracking.uri;
    try {
      ctx.log(`running ${input.argv.join(' ')} (tracking ${tracking.uri}, run ${runId})`);
      outcome = await runCommand(ctx, input.argv, commandEnv(ctx.env, bound, tracking), bound.runDir);
    } finally {
      await tracking.close();
    }
  } finally {
    clearInterval(heartbeat);
    await settleRun(registry, runId, outcome);
  }
  if (!outcome) throw new Error(`run ${runId}: the command never ran`);
  const status = statusOf(outcome);
  if (outcome.spawnError) {
    const notFound = outcome.spawnError.code === 'ENOENT';
    throw new UsageError(
      `cannot start '${input.argv[0]}': ${notFound ? 'no such command' : outcome.spawnError.message} (run ${runId} marked failed)`,
      notFound ? 'check the spelling, or give the path to the program (e.g. /usr/bin/python3)' : 'make the program executable (chmod +x) or run it through its interpreter',
    );
  }
  await recordLogs(registry, runId, outcome);
  const predictions = { val: join(bound.runDir, 'val_predictions.csv'), test: join(bound.runDir, 'test_predictions.csv') };
  return {
    runId,
    status,
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    runDir: bound.runDir,
    trackingUri,
    predictions: existsSync(predictions.val) && existsSync(predictions.test) ? predictions : null,
  };
}

/** The command's environment: the caller's, plus where the splits are and which run to log to. */
export function commandEnv(base: NodeJS.ProcessEnv, bound: BoundRun, tracking: Pick<TrackingEndpoint, 'uri' | 'token'>): NodeJS.ProcessEnv {
  const trackingUri = tracking.uri;
  const token = tracking.token ? { LEAKPROOF_TRACKING_TOKEN: tracking.token, MLFLOW_TRACKING_TOKEN: tracking.token } : {};
  return {
    ...base,
    ...token,
    LEAKPROOF_RUN_ID: String(bound.run.id),
    LEAKPROOF_RUN_DIR: bound.runDir,
    LEAKPROOF_SPLITS: bound.splitFiles.json,
    LEAKPROOF_SPLITS_CSV: bound.splitFiles.csv,
    LEAKPROOF_TRACKING_URI: trackingUri,
    // unmodified MLflow code (mlflow.start_run()) attaches to the bound run through these
    MLFLOW_TRACKING_URI: trackingUri,
    MLFLOW_RUN_ID: String(bound.run.id),
    MLFLOW_EXPERIMENT_ID: String(bound.experimentId),
    // output goes through a pipe; without this Python buffers it and progress shows up only at the end
    PYTHONUNBUFFERED: base['PYTHONUNBUFFERED'] ?? '1',
  };
}

/** exit 0 → finished; stopped after a forwarded signal → interrupted; anything else → failed */
export function statusOf(outcome: CommandOutcome | null): Exclude<RunStatus, 'running'> {
  if (!outcome || outcome.spawnError) return 'failed';
  if (outcome.exitCode === 0) return 'finished';
  return outcome.forwarded ? 'interrupted' : 'failed';
}

async function settleRun(registry: RegistryApi, runId: number, outcome: CommandOutcome | null): Promise<void> {
  if (outcome?.exitCode !== null && outcome?.exitCode !== undefined) await registry.setTag(runId, 'leakproof.exit_code', String(outcome.exitCode));
  if (outcome?.signal) await registry.setTag(runId, 'leakproof.signal', outcome.signal);
  if (outcome?.forwarded) await registry.setTag(runId, 'leakproof.forwarded_signal', outcome.forwarded);
  if (outcome?.spawnError) await registry.setTag(runId, 'leakproof.error', `cannot start the command: ${outcome.spawnError.code ?? outcome.spawnError.message}`);
  await registry.finishRun(runId, statusOf(outcome));
}

async function recordLogs(registry: RegistryApi, runId: number, outcome: CommandOutcome): Promise<void> {
  for (const [kind, path] of [['log:stdout', outcome.stdoutLog], ['log:stderr', outcome.stderrLog]] as const) {
    const [buffer, info] = await Promise.all([readFile(path), stat(path)]);
    await registry.addArtifact({ runId, path, sha256: sha256File(buffer), size: info.size, kind });
  }
}
