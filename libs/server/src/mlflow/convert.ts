import type { MlflowExperiment, MlflowRun, MlflowRunInfo } from '@leakproof/core/api/mlflow';
import type { ExperimentRecord, RunDetail, RunRecord, RunStatus, RunSummary } from '@leakproof/registry';

const statusName: Record<RunStatus, MlflowRunInfo['status']> = { running: 'RUNNING', finished: 'FINISHED', failed: 'FAILED', interrupted: 'KILLED' };

export const artifactUri = (experimentId: number, runId: number) => `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;

export function experimentOf(e: ExperimentRecord): MlflowExperiment {
  return {
    experiment_id: String(e.id),
    name: e.name,
    artifact_location: `mlflow-artifacts:/${e.id}`,
    lifecycle_stage: e.archived ? 'deleted' : 'active',
    creation_time: e.createdAt.getTime(),
    last_update_time: e.createdAt.getTime(),
    tags: [],
  };
}

type RunLike = Pick<RunRecord, 'id' | 'name' | 'status' | 'createdAt' | 'finishedAt' | 'archived'> & { tags?: Record<string, string> };

export function runInfoOf(run: RunLike, experimentId: number): MlflowRunInfo {
  return {
    run_id: String(run.id),
    run_uuid: String(run.id),
    run_name: run.name,
    experiment_id: String(experimentId),
    user_id: run.tags?.['mlflow.user'] ?? '',
    status: statusName[run.status],
    start_time: run.createdAt.getTime(),
    ...(run.finishedAt ? { end_time: run.finishedAt.getTime() } : {}),
    artifact_uri: artifactUri(experimentId, run.id),
    lifecycle_stage: run.archived ? 'deleted' : 'active',
  };
}

/** MLflow params are flat strings: nested params of the built-in trainer become dotted keys. */
export function flatParams(params: Record<string, unknown>, prefix = ''): { key: string; value: string }[] {
  return Object.entries(params).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) return flatParams(v as Record<string, unknown>, key);
    return [{ key, value: typeof v === 'string' ? v : JSON.stringify(v) }];
  });
}

function tagsWithRunName(name: string, tags: Record<string, string>): { key: string; value: string }[] {
  const all = { 'mlflow.runName': name, ...tags };
  return Object.entries(all).map(([key, value]) => ({ key, value }));
}

export function runOf(run: RunDetail, experimentId: number): MlflowRun {
  const timestamp = run.heartbeatAt.getTime();
  return {
    info: runInfoOf(run, experimentId),
    data: {
      metrics: run.metrics.map((m) => ({ key: m.key, value: m.last, timestamp, step: m.lastStep })),
      params: flatParams(run.params),
      tags: tagsWithRunName(run.name, run.tags),
    },
    inputs: {},
  };
}

/** runs/search rows come from the query's summaries (no per-metric step or time: reported as 0 and the run's end or start). */
export function runOfSummary(run: RunSummary, experimentId: number): MlflowRun {
  const timestamp = (run.finishedAt ?? run.createdAt).getTime();
  return {
    info: runInfoOf(run, experimentId),
    data: {
      metrics: Object.entries(run.metrics).map(([key, value]) => ({ key, value, timestamp, step: 0 })),
      params: flatParams(run.params),
      tags: tagsWithRunName(run.name, run.tags),
    },
    inputs: {},
  };
}
