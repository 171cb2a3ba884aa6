import { dirname, resolve } from 'node:path';
import { loadGateConfig, loadLockFile, saveLockFile, type AuditReport, type LockFile } from '@leakproof/audit';
import { UsageError } from '@leakproof/core';

export type LockEntry = LockFile['datasets'][string];

/** What leakproof.lock.json keeps of a passing audit: enough to tell later whether the dataset changed since. */
export function lockEntryFor(report: AuditReport): LockEntry {
  return { fingerprint: report.fingerprint, policyHash: report.policyHash, images: report.timings.images, auditedAt: report.createdAt, tool: `${report.tool.name} ${report.tool.version}` };
}

export interface LockUpdate {
  /** the gate config's name for the dataset at `root` */
  name: string;
  lockPath: string;
  /** false when the audit fails: a failing audit is never locked */
  updated: boolean;
}

/**
 * `audit --update-lock`: stores this audit's fingerprint for the gate config's dataset at `root`, if the audit
 * passes. The dataset must be listed in the gate config.
 */
export async function lockPassingAudit(configPath: string, root: string, report: AuditReport): Promise<LockUpdate> {
  const config = await loadGateConfig(configPath);
  const base = dirname(configPath);
  const entry = config.datasets.find((d) => resolve(base, d.path) === root);
  if (!entry) throw new UsageError(`${root} is not one of the datasets in ${configPath}`, 'add it to "datasets" first');
  const lockPath = resolve(base, config.lockFile);
  if (report.verdict !== 'pass') return { name: entry.name, lockPath, updated: false };
  const lock = await loadLockFile(lockPath);
  lock.datasets[entry.name] = lockEntryFor(report);
  await saveLockFile(lockPath, lock);
  return { name: entry.name, lockPath, updated: true };
}
