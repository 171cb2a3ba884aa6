import { hostname } from 'node:os';
import { LeakproofError } from '@leakproof/core';
import * as v1 from '@leakproof/core/api/v1';
import type {
  ArtifactInput,
  AuditInput,
  EvaluationInput,
  MetricEntry,
  QueryOptions,
  RegistryApi,
  RunInput,
} from '@leakproof/registry';
import { z } from 'zod';

/** A refusal from the server, carrying its `{ error_code, message }`; user-facing like a local registry error. */
export class RemoteRegistryError extends LeakproofError {
  constructor(
    message: string,
    readonly status: number,
    errorCode: string,
    hint?: string,
  ) {
    super(message, { code: errorCode, ...(hint ? { hint } : {}) });
  }
}

const empty = z.object({});
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().transform((v) => v ?? undefined);

/**
 * The registry over HTTP (`/api/v1`): what CLI commands use while another process (`leakproof server`, or a
 * `train` with its in-process server) owns the embedded store. Answers are parsed with the shared contracts,
 * so dates and NaN come back as they went in.
 */
export class RemoteRegistry implements RegistryApi {
  readonly kind = 'remote' as const;
  constructor(
    readonly url: string,
    readonly token?: string,
  ) {}

  private async call<T extends z.ZodType>(method: string, path: string, schema: T, payload?: unknown, signal?: AbortSignal): Promise<z.output<T>> {
    const headers: Record<string, string> = {};
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.url}${v1.API_V1_PREFIX}${path}`, {
        method,
        headers,
        ...(payload !== undefined ? { body: JSON.stringify(payload, v1.nonFiniteReplacer) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new RemoteRegistryError(`cannot reach the leakproof server at ${this.url}: ${(error as Error).message}`, 0, 'server-unreachable', 'start it again (`leakproof server`), or remove .leakproof/registry/server.json if it is gone');
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      throw new RemoteRegistryError(`the server at ${this.url} answered ${response.status} with non-JSON`, response.status, 'bad-response');
    }
    if (!response.ok) {
      const err = v1.apiErrorSchema.safeParse(json);
      const body = err.success ? err.data : { error_code: 'HTTP_' + response.status, message: text.slice(0, 200) };
      throw new RemoteRegistryError(body.message, response.status, body.error_code, err.success ? err.data.hint : undefined);
    }
    return schema.parse(json);
  }

  private get<T extends z.ZodType>(path: string, schema: T) {
    return this.call('GET', path, schema);
  }
  private post<T extends z.ZodType>(path: string, payload: unknown, schema: T) {
    return this.call('POST', path, schema, payload);
  }

  /** nothing to release: each call is one HTTP request (the server owns the store) */
  async close(): Promise<void> {
    return undefined;
  }

  async recordAudit(input: AuditInput) {
    return (await this.post('/audits', input, z.object({ audit: v1.auditRecordSchema }))).audit;
  }
  async getAudit(id: number) {
    return (await this.get(`/audits/${id}`, z.object({ audit: v1.auditRecordSchema })).catch(notFoundAsUndefined))?.audit;
  }
  async getAuditDetail(id: number) {
    return (await this.get(`/audits/${id}/detail`, z.object({ audit: v1.auditDetailSchema })).catch(notFoundAsUndefined))?.audit;
  }
  async findPassingAudit(fingerprint: string) {
    return (await this.get(`/audits/passing/${encodeURIComponent(fingerprint)}`, z.object({ audit: nullable(v1.auditRecordSchema) }))).audit;
  }
  async latestAudit(ref: string) {
    return (await this.get(`/audits/latest/${encodeURIComponent(ref)}`, z.object({ audit: nullable(v1.auditRecordSchema) }))).audit;
  }
  async listAudits(limit?: number) {
    return (await this.get(`/audits${limit ? `?limit=${limit}` : ''}`, z.object({ audits: z.array(v1.auditRecordSchema) }))).audits;
  }

  async getOrCreateExperiment(name: string) {
    return (await this.post('/experiments', { name }, z.object({ experiment: v1.experimentRecordSchema }))).experiment;
  }
  async getExperiment(id: number) {
    return (await this.get(`/experiments/${id}`, z.object({ experiment: nullable(v1.experimentRecordSchema) }))).experiment;
  }
  async getExperimentByName(name: string) {
    return (await this.get(`/experiments/by-name/${encodeURIComponent(name)}`, z.object({ experiment: nullable(v1.experimentRecordSchema) }))).experiment;
  }
  async listExperiments(limit?: number) {
    return (await this.get(`/experiments${limit ? `?limit=${limit}` : ''}`, z.object({ experiments: z.array(v1.experimentRecordSchema) }))).experiments;
  }

  /** the run belongs to this process (not the server's): a crash here marks it interrupted */
  async createRun(input: RunInput) {
    return (await this.post('/runs', { pid: process.pid, hostname: hostname(), ...input }, z.object({ run: v1.runRecordSchema }))).run;
  }
  async resumeRun(runId: number) {
    return (await this.post(`/runs/${runId}/resume`, {}, z.object({ run: v1.runRecordSchema }))).run;
  }
  async logMetric(runId: number, key: string, step: number, value: number) {
    await this.logMetrics(runId, [{ key, step, value }]);
  }
  async logMetrics(runId: number, entries: MetricEntry[]) {
    await this.post(`/runs/${runId}/metrics`, { entries: entries.map(({ key, step, value }) => ({ key, step, value })) }, empty);
  }
  async logParams(runId: number, params: Record<string, unknown>) {
    await this.post(`/runs/${runId}/params`, { params }, empty);
  }
  async heartbeat(runId: number) {
    await this.post(`/runs/${runId}/heartbeat`, {}, empty);
  }
  async finishRun(runId: number, status: 'finished' | 'failed' | 'interrupted' = 'finished') {
    return (await this.post(`/runs/${runId}/finish`, { status }, z.object({ run: v1.runRecordSchema }))).run;
  }
  async recordEvaluation(input: EvaluationInput) {
    return (await this.post('/evaluations', input, z.object({ evaluation: v1.evaluationRecordSchema }))).evaluation;
  }
  async addArtifact(input: ArtifactInput) {
    return (await this.post('/artifacts', input, z.object({ artifact: v1.artifactRecordSchema }))).artifact;
  }
  async setTag(runId: number, key: string, value: string) {
    await this.call('PUT', `/runs/${runId}/tags/${encodeURIComponent(key)}`, empty, { value });
  }
  async deleteTag(runId: number, key: string) {
    await this.call('DELETE', `/runs/${runId}/tags/${encodeURIComponent(key)}`, empty);
  }
  async archiveRun(runId: number, archived = true) {
    await this.post(`/runs/${runId}/archive`, { archived }, empty);
  }
  async getRunRecord(id: number) {
    return (await this.get(`/runs/${id}/record`, z.object({ run: nullable(v1.runRecordSchema) }))).run;
  }
  async getRun(id: number) {
    return (await this.get(`/runs/${id}`, z.object({ run: nullable(v1.runDetailSchema) }))).run;
  }
  async metricSummaries(runId: number) {
    return (await this.get(`/runs/${runId}/metrics`, z.object({ metrics: z.array(v1.metricSummarySchema) }))).metrics;
  }
  async metricHistory(runId: number, key: string) {
    return (await this.get(`/runs/${runId}/metrics/${encodeURIComponent(key)}/history`, z.object({ points: z.array(v1.metricPointSchema) }))).points;
  }

  async listRuns(opts: { limit?: number; includeArchived?: boolean } = {}) {
    const query = new URLSearchParams();
    if (opts.limit) query.set('limit', String(opts.limit));
    if (opts.includeArchived) query.set('all', 'true');
    return (await this.get(`/runs${query.size ? `?${query}` : ''}`, z.object({ runs: z.array(v1.runSummarySchema) }))).runs;
  }
  async countRuns(opts: { includeArchived?: boolean } = {}) {
    return (await this.get(`/runs/count${opts.includeArchived ? '?all=true' : ''}`, z.object({ count: z.number().int() }))).count;
  }
  async queryRuns(filter: string, opts: QueryOptions = {}) {
    const { signal, ...rest } = opts;
    return (await this.call('POST', '/runs/query', z.object({ runs: z.array(v1.runSummarySchema) }), { filter, ...rest }, signal)).runs;
  }
  async evaluationHistory(opts: { fingerprintPrefix: string; metrics?: string[] }) {
    const query = new URLSearchParams({ fingerprint: opts.fingerprintPrefix });
    if (opts.metrics?.length) query.set('metrics', opts.metrics.join(','));
    return (await this.get(`/evaluations/history?${query}`, z.object({ evaluations: z.array(v1.evaluationHistoryRowSchema) }))).evaluations;
  }
  async markInterruptedRuns(staleAfterMs?: number) {
    return (await this.post('/maintenance/mark-interrupted', staleAfterMs === undefined ? {} : { staleAfterMs }, z.object({ ids: z.array(z.number()) }))).ids;
  }
}

function notFoundAsUndefined(error: unknown): undefined {
  if (error instanceof RemoteRegistryError && error.status === 404) return undefined;
  throw error;
}
