import * as audits from './audits-repo.js';
import type { RegistryDb } from './db.js';
import type { ArtifactInput, AuditInput, EvaluationInput, MetricEntry, RunInput } from './inputs.js';
import * as query from './query-repo.js';
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
import type { RegistryApi } from './registry-api.js';
import * as runs from './runs-repo.js';
import { inProcessSession, type Session } from './session.js';
import * as tracking from './tracking-repo.js';

export type RegistryKind = 'pglite' | 'postgres';

/** The experiment registry: one object over either store, with the same repositories. */
export class Registry implements RegistryApi {
  private closed = false;
  constructor(
    /** the drizzle database, for tests and advanced queries */
    readonly db: RegistryDb,
    readonly kind: RegistryKind,
    private readonly closeStore: () => Promise<void>,
    /** runs cancellable work (queryRuns with a signal) */
    private readonly session: Session = inProcessSession(db),
  ) {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.closeStore();
  }

  // audits
  recordAudit(input: AuditInput): Promise<AuditRecord> {
    return audits.recordAudit(this.db, input);
  }
  getAudit(id: number): Promise<AuditRecord | undefined> {
    return audits.getAudit(this.db, id);
  }
  getAuditDetail(id: number): Promise<AuditDetail | undefined> {
    return audits.getAuditDetail(this.db, id);
  }
  findPassingAudit(fingerprint: string): Promise<AuditRecord | undefined> {
    return audits.findPassingAudit(this.db, fingerprint);
  }
  latestAudit(datasetNameOrFingerprint: string): Promise<AuditRecord | undefined> {
    return audits.latestAudit(this.db, datasetNameOrFingerprint);
  }
  listAudits(limit?: number): Promise<AuditRecord[]> {
    return audits.listAudits(this.db, limit);
  }

  // experiments and runs
  getOrCreateExperiment(name: string): Promise<ExperimentRecord> {
    return runs.getOrCreateExperiment(this.db, name);
  }
  getExperiment(id: number): Promise<ExperimentRecord | undefined> {
    return tracking.getExperiment(this.db, id);
  }
  getExperimentByName(name: string): Promise<ExperimentRecord | undefined> {
    return tracking.getExperimentByName(this.db, name);
  }
  listExperiments(limit?: number): Promise<ExperimentRecord[]> {
    return tracking.listExperiments(this.db, limit);
  }
  createRun(input: RunInput): Promise<RunRecord> {
    return runs.createRun(this.db, input);
  }
  resumeRun(runId: number): Promise<RunRecord> {
    return runs.resumeRun(this.db, runId);
  }
  logMetric(runId: number, key: string, step: number, value: number): Promise<void> {
    return runs.logMetrics(this.db, runId, [{ key, step, value }]);
  }
  logMetrics(runId: number, entries: MetricEntry[]): Promise<void> {
    return runs.logMetrics(this.db, runId, entries);
  }
  /** write-once per key: the same value again is fine, another value is refused (LP010) */
  logParams(runId: number, params: Record<string, unknown>): Promise<void> {
    return tracking.logParams(this.db, runId, params);
  }
  heartbeat(runId: number): Promise<void> {
    return runs.heartbeat(this.db, runId);
  }
  finishRun(runId: number, status: 'finished' | 'failed' | 'interrupted' = 'finished'): Promise<RunRecord> {
    return runs.finishRun(this.db, runId, status);
  }
  recordEvaluation(input: EvaluationInput): Promise<EvaluationRecord> {
    return runs.recordEvaluation(this.db, input);
  }
  addArtifact(input: ArtifactInput): Promise<ArtifactRecord> {
    return runs.addArtifact(this.db, input);
  }
  setTag(runId: number, key: string, value: string): Promise<void> {
    return runs.setTag(this.db, runId, key, value);
  }
  deleteTag(runId: number, key: string): Promise<void> {
    return tracking.deleteTag(this.db, runId, key);
  }
  renameRun(runId: number, name: string): Promise<RunRecord> {
    return runs.renameRun(this.db, runId, name);
  }
  archiveRun(runId: number, archived = true): Promise<void> {
    return runs.archiveRun(this.db, runId, archived);
  }
  countRuns(opts: { includeArchived?: boolean } = {}): Promise<number> {
    return runs.countRuns(this.db, opts.includeArchived);
  }
  getRunRecord(id: number): Promise<RunRecord | undefined> {
    return runs.getRunRecord(this.db, id);
  }
  getRun(id: number): Promise<RunDetail | undefined> {
    return runs.getRun(this.db, id);
  }
  metricSummaries(runId: number): Promise<MetricSummary[]> {
    return runs.runMetricSummaries(this.db, runId);
  }
  metricHistory(runId: number, key: string): Promise<MetricPoint[]> {
    return runs.metricHistory(this.db, runId, key);
  }

  // queries
  listRuns(opts?: { limit?: number; includeArchived?: boolean }): Promise<RunSummary[]> {
    return query.listRuns(this.db, opts);
  }
  /** opts.signal cancels the query, on the server too (PostgreSQL); it then rejects with code 'query-cancelled' */
  queryRuns(filter: string, opts?: query.QueryOptions): Promise<RunSummary[]> {
    return this.session(opts?.signal, (db) => query.queryRuns(db, filter, opts));
  }
  evaluationHistory(opts: { fingerprintPrefix: string; metrics?: string[] }): Promise<EvaluationHistoryRow[]> {
    return query.evaluationHistory(this.db, opts);
  }
  /** Runs at open; exposed for long-lived processes. Returns the ids marked interrupted. */
  markInterruptedRuns(staleAfterMs = 15 * 60_000): Promise<number[]> {
    return query.markInterruptedRuns(this.db, staleAfterMs);
  }
}
