import type { UiAuditSummary, UiEvaluation, UiRunDetail, UiRunRow } from '@leakproof/core';
import { thresholdRuleLabel, UI_API_PREFIX } from '@leakproof/core';
import type { ArtifactRecord, AuditRecord, EvaluationRecord, MetricWithInterval, RunDetail, RunSummary } from '@leakproof/registry';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);

export function runRow(r: RunSummary): UiRunRow {
  return {
    id: r.id,
    experiment: r.experiment,
    name: r.name,
    status: r.status,
    model: r.model,
    backend: r.backend,
    datasetName: r.datasetName,
    fingerprint: r.fingerprint,
    auditId: r.auditId,
    createdAt: r.createdAt.toISOString(),
    finishedAt: iso(r.finishedAt),
    archived: r.archived,
    params: r.params,
    metrics: Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [k, finiteOrNull(v)])),
    tags: r.tags,
  };
}

export function auditSummary(a: AuditRecord): UiAuditSummary {
  return {
    id: a.id,
    datasetName: a.datasetName,
    datasetRoot: a.datasetRoot,
    fingerprint: a.fingerprint,
    verdict: a.verdict,
    policyHash: a.policyHash,
    toolVersion: a.toolVersion,
    createdAt: a.createdAt.toISOString(),
    splits: a.splits,
  };
}

export const predictionsKind = (e: Pick<EvaluationRecord, 'id' | 'split'>) => `predictions:${e.split}:evaluation-${e.id}`;

function patientMetrics(patientLevel: unknown): Record<string, MetricWithInterval> | null {
  if (!patientLevel || typeof patientLevel !== 'object') return null;
  const metrics = (patientLevel as { metrics?: unknown }).metrics;
  return metrics && typeof metrics === 'object' ? (metrics as Record<string, MetricWithInterval>) : null;
}

/** The newest artifact of each kind (a re-evaluation rewrites the plots of its split). */
function latestByKind(artifacts: ArtifactRecord[]): ArtifactRecord[] {
  const byKind = new Map<string, ArtifactRecord>();
  for (const a of artifacts) {
    const seen = byKind.get(a.kind);
    if (!seen || seen.id < a.id) byKind.set(a.kind, a);
  }
  return [...byKind.values()];
}

export function evaluation(e: EvaluationRecord, artifacts: ArtifactRecord[]): UiEvaluation {
  const plots = latestByKind(artifacts)
    .filter((a) => a.kind.startsWith(`plot:${e.split}:`) && a.kind.endsWith('.svg'))
    .map((a) => ({ name: a.kind.slice(`plot:${e.split}:`.length).replace(/\.svg$/, ''), url: `${UI_API_PREFIX}/artifacts/${a.id}` }))
    .sort((x, y) => x.name.localeCompare(y.name));
  return {
    id: e.id,
    split: e.split,
    threshold: e.threshold,
    thresholdRule: thresholdRuleLabel(e.thresholdRule),
    confusion: e.confusion,
    metrics: e.metrics,
    patientLevel: patientMetrics(e.patientLevel),
    finished: e.finished,
    createdAt: e.createdAt.toISOString(),
    plots,
    hasPredictions: artifacts.some((a) => a.kind === predictionsKind(e)),
  };
}

export function runDetail(r: RunDetail): UiRunDetail {
  return {
    id: r.id,
    experiment: r.experiment,
    name: r.name,
    status: r.status,
    params: r.params,
    tags: r.tags,
    config: r.config,
    seed: r.seed,
    gitCommit: r.gitCommit,
    gitDirty: r.gitDirty,
    backend: r.backend,
    model: r.model,
    hostname: r.hostname,
    threads: r.threads,
    createdAt: r.createdAt.toISOString(),
    finishedAt: iso(r.finishedAt),
    heartbeatAt: r.heartbeatAt.toISOString(),
    archived: r.archived,
    audit: auditSummary(r.audit),
    metrics: r.metrics.map((m) => ({ key: m.key, last: finiteOrNull(m.last), lastStep: m.lastStep, min: finiteOrNull(m.min), max: finiteOrNull(m.max), count: m.count })),
    evaluations: r.evaluations.map((e) => evaluation(e, r.artifacts)),
  };
}

/** Dotted keys of nested params, as the filter language addresses them. */
export function flatParams(params: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatParams(v as Record<string, unknown>, key));
    else out[key] = JSON.stringify(v);
  }
  return out;
}
