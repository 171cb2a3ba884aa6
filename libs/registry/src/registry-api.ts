import type { ArtifactInput, AuditInput, EvaluationInput, MetricEntry, RunInput } from './inputs.js';
import type { QueryOptions } from './query-repo.js';
import type {
  ArtifactRecord,
  AuditDetail,
  AuditRecord,
  EvaluationHistoryRow,
  EvaluationRecord,
  ExperimentRecord,
  MetricPoint,
  MetricSummary,
  RunDetail,
  RunRecord,
  RunSummary,
} from './records.js';

/**
 * Everything a client may ask of the registry. `Registry` implements it over a database; the server's
 * `RemoteRegistry` implements it over HTTP, so commands work the same whether they own the store or a
 * `leakproof server` does.
 */
export interface RegistryApi {
  close(): Promise<void>;

  recordAudit(input: AuditInput): Promise<AuditRecord>;
  getAudit(id: number): Promise<AuditRecord | undefined>;
  getAuditDetail(id: number): Promise<AuditDetail | undefined>;
  findPassingAudit(fingerprint: string): Promise<AuditRecord | undefined>;
  latestAudit(datasetNameOrFingerprint: string): Promise<AuditRecord | undefined>;
  listAudits(limit?: number): Promise<AuditRecord[]>;

  getOrCreateExperiment(name: string): Promise<ExperimentRecord>;
  getExperiment(id: number): Promise<ExperimentRecord | undefined>;
  getExperimentByName(name: string): Promise<ExperimentRecord | undefined>;
  listExperiments(limit?: number): Promise<ExperimentRecord[]>;

  createRun(input: RunInput): Promise<RunRecord>;
  resumeRun(runId: number): Promise<RunRecord>;
  logMetric(runId: number, key: string, step: number, value: number): Promise<void>;
  logMetrics(runId: number, entries: MetricEntry[]): Promise<void>;
  logParams(runId: number, params: Record<string, unknown>): Promise<void>;
  heartbeat(runId: number): Promise<void>;
  finishRun(runId: number, status?: 'finished' | 'failed' | 'interrupted'): Promise<RunRecord>;
  recordEvaluation(input: EvaluationInput): Promise<EvaluationRecord>;
  addArtifact(input: ArtifactInput): Promise<ArtifactRecord>;
  setTag(runId: number, key: string, value: string): Promise<void>;
  deleteTag(runId: number, key: string): Promise<void>;
  archiveRun(runId: number, archived?: boolean): Promise<void>;
  /** the run row alone (one indexed lookup), for status checks on every write */
  getRunRecord(id: number): Promise<RunRecord | undefined>;
  getRun(id: number): Promise<RunDetail | undefined>;
  metricSummaries(runId: number): Promise<MetricSummary[]>;
  metricHistory(runId: number, key: string): Promise<MetricPoint[]>;

  listRuns(opts?: { limit?: number; includeArchived?: boolean }): Promise<RunSummary[]>;
  countRuns(opts?: { includeArchived?: boolean }): Promise<number>;
  queryRuns(filter: string, opts?: QueryOptions): Promise<RunSummary[]>;
  evaluationHistory(opts: { fingerprintPrefix: string; metrics?: string[] }): Promise<EvaluationHistoryRow[]>;
  markInterruptedRuns(staleAfterMs?: number): Promise<number[]>;
}
