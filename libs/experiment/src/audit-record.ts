import type { AuditReport, Policy } from '@leakproof/audit';

/** The registry's view of an audit report. */
export function auditRecordInput(report: AuditReport, policy: Policy) {
  return {
    dataset: { name: report.dataset.name, root: report.dataset.root },
    fingerprint: report.fingerprint,
    verdict: report.verdict,
    policy: policy as unknown as Record<string, unknown>,
    policyHash: report.policyHash,
    report,
    toolVersion: `${report.tool.name}@${report.tool.version}`,
    splits: report.splits.map((s) => ({ name: s.name, images: s.images, patients: s.patients })),
    findings: report.findings.map((f) => ({
      kind: f.kind,
      severity: f.severity,
      splitA: f.splitA,
      splitB: f.splitB,
      ...(f.pathA !== undefined ? { pathA: f.pathA } : {}),
      ...(f.pathB !== undefined ? { pathB: f.pathB } : {}),
      ...(f.patient !== undefined ? { patient: f.patient } : {}),
      ...(f.score !== undefined ? { score: f.score } : {}),
      detail: { text: f.detail, distance: f.distance, labelA: f.labelA, labelB: f.labelB, allowedBecause: f.allowedBecause },
    })),
  };
}
