import type { RunStatus } from './inputs.js';

export interface AuditSplitRecord {
  name: string;
  images: number;
  patients: number;
}

export interface AuditRecord {
  id: number;
  datasetName: string;
  datasetRoot: string;
  fingerprint: string;
  verdict: 'pass' | 'fail';
  policyHash: string;
  toolVersion: string;
  createdAt: Date;
  splits: AuditSplitRecord[];
}

export interface AuditFindingRecord {
  id: number;
  kind: string;
  severity: string;
  splitA: string;
  splitB: string;
  pathA: string | null;
  pathB: string | null;
  patient: string | null;
  score: number | null;
  detail: unknown;
}

export interface AuditDetail extends AuditRecord {
  policy: Record<string, unknown>;
  report: unknown;
  findings: AuditFindingRecord[];
}

export interface ExperimentRecord {
  id: number;
  name: string;
  createdAt: Date;
  archived?: boolean;
}

export interface RunRecord {
  id: number;
  experiment: string;
  name: string;
  status: RunStatus;
  auditId: number;
  params: Record<string, unknown>;
  seed: number | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  backend: string | null;
  model: string | null;
  config: string | null;
  threads: number | null;
  pid: number | null;
  hostname: string | null;
  heartbeatAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
  archived: boolean;
}

/** last is the last point as logged (may be NaN); min/max/avg/count cover the non-NaN points, null when none. */
export interface MetricSummary {
  key: string;
  last: number;
  lastStep: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  count: number;
}

export interface MetricPoint {
  step: number;
  value: number;
  loggedAt: Date;
}

export interface MetricWithInterval {
  value: number | null;
  lo?: number | null;
  hi?: number | null;
}

export interface EvaluationRecord {
  id: number;
  runId: number;
  split: string;
  threshold: number;
  thresholdRule: string;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  metrics: Record<string, MetricWithInterval>;
  patientLevel: unknown;
  finished: boolean;
  createdAt: Date;
}

export interface ArtifactRecord {
  id: number;
  runId: number;
  path: string;
  sha256: string;
  size: number;
  kind: string;
  createdAt: Date;
}

export interface RunDetail extends RunRecord {
  audit: AuditRecord;
  metrics: MetricSummary[];
  evaluations: EvaluationRecord[];
  artifacts: ArtifactRecord[];
  tags: Record<string, string>;
}

/** One row of `runs list` / `runs query`: the run, its audit's fingerprint, last metric values and tags. */
export interface RunSummary {
  id: number;
  experiment: string;
  name: string;
  status: RunStatus;
  model: string | null;
  backend: string | null;
  seed: number | null;
  auditId: number;
  datasetName: string;
  fingerprint: string;
  createdAt: Date;
  finishedAt: Date | null;
  archived: boolean;
  params: Record<string, unknown>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export interface EvaluationHistoryRow {
  evaluationId: number;
  createdAt: Date;
  runId: number;
  runName: string;
  experiment: string;
  model: string | null;
  fingerprint: string;
  split: string;
  threshold: number;
  thresholdRule: string;
  metrics: Record<string, MetricWithInterval>;
}
