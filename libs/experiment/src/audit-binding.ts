import { auditManifest, splitFingerprint, type Policy } from '@leakproof/audit';
import { auditRecordInput } from './audit-record.js';
import type { Manifest } from '@leakproof/ingest';
import type { RegistryApi } from '@leakproof/registry';
import { join } from 'node:path';
import { ProblemError, UsageError } from '@leakproof/core';
import type { ExperimentContext } from './context.js';

/**
 * The binding rule: data may be trained on only when the registry holds a passing audit of exactly these
 * records. Each refusal names the command that fixes it.
 */
export async function requirePassingAudit(registry: RegistryApi, manifest: Manifest, datasetName: string) {
  const fingerprint = splitFingerprint(manifest.images);
  const passing = await registry.findPassingAudit(fingerprint);
  if (passing) return passing;
  const audit = `leakproof audit ${manifest.root}`;
  const same = await registry.latestAudit(fingerprint);
  if (same && same.verdict === 'fail') {
    throw new ProblemError(
      `the last audit of ${manifest.root} (fingerprint ${fingerprint.slice(0, 12)}) failed: training on leaking splits is refused`,
      `fix the findings (\`${audit} --format html -o audit.html\` shows them), then run \`${audit}\` again`,
    );
  }
  const previous = await registry.latestAudit(datasetName);
  if (previous) {
    throw new ProblemError(
      `${manifest.root} changed since its last audit (fingerprint ${previous.fingerprint.slice(0, 12)} then, ${fingerprint.slice(0, 12)} now)`,
      `re-audit the data as it is now: \`${audit}\``,
    );
  }
  throw new UsageError(`${manifest.root} has never been audited (fingerprint ${fingerprint.slice(0, 12)})`, `run \`${audit}\` first`);
}

/**
 * The splits training actually uses (validation or held-out parts carved by patient) are audited like any
 * other split set and recorded; the run is bound to that audit.
 */
export async function auditPlannedSplits(ctx: ExperimentContext, registry: RegistryApi, manifest: Manifest, policy: Policy, name: string) {
  const report = await auditManifest(manifest, { policy, cacheDir: join(ctx.cwd, '.leakproof', 'cache'), name });
  const record = await registry.recordAudit(auditRecordInput(report, policy));
  ctx.log(`audit of the planned splits (${report.splits.map((s) => `${s.name} ${s.images}`).join(', ')}): ${report.verdict}, fingerprint ${report.fingerprint.slice(0, 12)}`);
  if (report.verdict !== 'pass') {
    throw new ProblemError(`the planned splits of ${manifest.root} fail the audit (${report.findings.length} findings)`, `inspect them with \`leakproof audit ${manifest.root}\``);
  }
  return { report, record };
}
