import {
  UI_API_PREFIX,
  uiAllowResponseSchema,
  uiAuditDetailSchema,
  uiAuditSummarySchema,
  uiCompareSchema,
  uiErrorSchema,
  uiGateSchema,
  uiHistorySchema,
  uiMetricHistorySchema,
  uiPredictionsSchema,
  uiRunDetailSchema,
  runsPageSchema,
  type UiAllowRequest,
  type UiError,
} from '@leakproof/core';
import { z } from 'zod';

/** An answer the server refused: carries its `{ error_code, message, column? }` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: UiError,
  ) {
    super(body.message);
  }
}

async function getJson<T>(path: string, schema: z.ZodType<T>, init?: RequestInit): Promise<T> {
  const response = await fetch(UI_API_PREFIX + path, { headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) }, ...init });
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const parsed = uiErrorSchema.safeParse(body);
    throw new ApiError(response.status, parsed.success ? parsed.data : { error_code: 'http_' + response.status, message: response.statusText || 'request failed' });
  }
  return schema.parse(body);
}

const qs = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? '?' + s : '';
};

export const api = {
  runs: (q: Record<string, string | number | undefined>) => getJson('/runs' + qs(q), runsPageSchema),
  run: (id: number) => getJson(`/runs/${id}`, uiRunDetailSchema),
  metrics: (id: number) => getJson(`/runs/${id}/metrics`, uiMetricHistorySchema),
  archive: (id: number, archived: boolean) => getJson(`/runs/${id}/archive`, z.object({ archived: z.boolean() }), { method: 'POST', body: JSON.stringify({ archived }) }),
  predictions: (evaluationId: number) => getJson(`/evaluations/${evaluationId}/predictions`, uiPredictionsSchema),
  compare: (ids: number[]) => getJson('/compare' + qs({ ids: ids.join(',') }), uiCompareSchema),
  history: (fingerprint: string) => getJson('/history' + qs({ fingerprint }), uiHistorySchema),
  audits: () => getJson('/audits', z.array(uiAuditSummarySchema)),
  audit: (id: number) => getJson(`/audits/${id}`, uiAuditDetailSchema),
  allow: (auditId: number, body: UiAllowRequest) => getJson(`/audits/${auditId}/allow`, uiAllowResponseSchema, { method: 'POST', body: JSON.stringify(body) }),
  gate: () => getJson('/gate', uiGateSchema),
};
