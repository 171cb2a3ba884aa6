import { z } from 'zod';

/**
 * The subset of MLflow's tracking REST API 2.0 that `leakproof server` speaks (shapes from MLflow's REST API
 * reference). MLflow's clients send protobuf JSON: int64 fields (timestamps, steps) may arrive as strings,
 * doubles as 'NaN' / 'Infinity' / '-Infinity'. Unknown fields are ignored, as MLflow's server does, so newer
 * clients that send extra fields (model_id, dataset_digest…) keep working.
 */
export const MLFLOW_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'] as const;
export const MLFLOW_ARTIFACTS_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

/** MLflow's documented LogBatch limits. */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

export const mlflowErrorCodes = ['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST', 'RESOURCE_ALREADY_EXISTS', 'ENDPOINT_NOT_FOUND', 'BAD_REQUEST', 'UNAUTHENTICATED', 'INTERNAL_ERROR', 'REQUEST_LIMIT_EXCEEDED'] as const;
export type MlflowErrorCode = (typeof mlflowErrorCodes)[number];

const int64 = z.union([z.number().int(), z.string().regex(/^-?\d{1,19}$/).transform(Number)]);
const double = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number), z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/).transform(Number)]);
/** run ids are strings in MLflow; here the registry's integer id in decimal */
const runId = z.string().min(1).max(40);
const tagKey = z.string().min(1).max(250);
const tagValue = z.string().max(8000);
const paramValue = z.string().max(6000);
const tag = z.object({ key: tagKey, value: tagValue });

export const mlflowMetricSchema = z.object({ key: tagKey, value: double, timestamp: int64.optional(), step: int64.default(0) });
export const mlflowParamSchema = z.object({ key: tagKey, value: paramValue });
export const mlflowTagSchema = tag;

/** run_uuid is the deprecated alias MLflow's older clients still send */
const runRef = { run_id: runId.optional(), run_uuid: runId.optional() };

export const createExperimentSchema = z.object({ name: z.string().min(1).max(500), artifact_location: z.string().optional(), tags: z.array(tag).max(100).optional() });
export const getExperimentSchema = z.object({ experiment_id: z.string().min(1).max(40) });
export const getExperimentByNameSchema = z.object({ experiment_name: z.string().min(1).max(500) });
export const searchExperimentsSchema = z.object({
  max_results: int64.optional(),
  filter: z.string().max(10_000).optional(),
  order_by: z.array(z.string()).optional(),
  page_token: z.string().optional(),
  view_type: z.string().optional(),
});
export const createRunSchema = z.object({
  experiment_id: z.string().min(1).max(40).optional(),
  user_id: z.string().max(500).optional(),
  run_name: z.string().max(500).optional(),
  start_time: int64.optional(),
  tags: z.array(tag).max(1000).optional(),
});
export const getRunSchema = z.object(runRef);
export const updateRunSchema = z.object({
  ...runRef,
  status: z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']).optional(),
  end_time: int64.optional(),
  run_name: z.string().max(500).optional(),
});
export const searchRunsSchema = z.object({
  experiment_ids: z.array(z.string().max(40)).max(1000).optional(),
  filter: z.string().max(10_000).optional(),
  run_view_type: z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).optional(),
  max_results: int64.optional(),
  order_by: z.array(z.string().max(500)).max(20).optional(),
  page_token: z.string().max(100).optional(),
});
/** runs/delete and runs/restore: the run is archived (lifecycle_stage 'deleted') or unarchived, never removed */
export const deleteRunSchema = z.object({ run_id: runId });
export const restoreRunSchema = deleteRunSchema;
export const logMetricSchema = z.object({ ...runRef, key: tagKey, value: double, timestamp: int64.optional(), step: int64.default(0) });
export const logParamSchema = z.object({ ...runRef, key: tagKey, value: paramValue });
export const setTagSchema = z.object({ ...runRef, key: tagKey, value: tagValue });
export const deleteTagSchema = z.object({ run_id: runId, key: tagKey });
export const logBatchSchema = z.object({
  run_id: runId,
  metrics: z.array(mlflowMetricSchema).optional(),
  params: z.array(mlflowParamSchema).optional(),
  tags: z.array(tag).optional(),
});
export const getMetricHistorySchema = z.object({ ...runRef, metric_key: tagKey, page_token: z.string().max(100).optional(), max_results: int64.optional() });
export const listArtifactsSchema = z.object({ ...runRef, path: z.string().max(4096).optional(), page_token: z.string().optional() });

// ---- responses ----

export interface MlflowRunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: 'active' | 'deleted';
}
export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MlflowMetric[]; params: { key: string; value: string }[]; tags: { key: string; value: string }[] };
  inputs: Record<string, never>;
}
export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: 'active' | 'deleted';
  creation_time: number;
  last_update_time: number;
  tags: { key: string; value: string }[];
}
export interface MlflowFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}
