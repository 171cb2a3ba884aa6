import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { defaultPolicy, loadGateConfig, loadLockFile, loadPolicy, saveLockFile, type AuditReport, type Policy } from '@leakproof/audit';
import { isLeakproofError, UsageError } from '@leakproof/core';
import { lockEntryFor } from './lock-file.js';

/** Policy: an explicit file, else leakproof.policy.json in `dir`, else the built-in default. */
export async function resolvePolicy(dir: string, explicit: string | undefined): Promise<{ policy: Policy; source: string }> {
  if (explicit) return { policy: await loadPolicy(resolve(dir, explicit)), source: resolve(dir, explicit) };
  const repoPolicy = join(dir, 'leakproof.policy.json');
  if (existsSync(repoPolicy)) return { policy: await loadPolicy(repoPolicy), source: repoPolicy };
  return { policy: defaultPolicy, source: 'built-in default' };
}

export interface GateDataset {
  name: string;
  path: string;
  verdict: 'pass' | 'fail' | 'error';
  fingerprint?: string;
  lockedFingerprint?: string;
  /** why the gate fails for this dataset, in words (empty when it passes) */
  reasons: string[];
  report?: AuditReport;
}

export interface GateResult {
  passed: boolean;
  lockFile: string;
  updatedLock: boolean;
  datasets: GateDataset[];
}

/** A reason other than a leakage finding (those are in the reports), as a JUnit case would name it. */
export interface GateProblem {
  dataset: string;
  name: string;
  message: string;
}

/** One dataset of the gate config, resolved: what the caller's auditor (manifest, cache, progress) needs. */
export interface GateAuditInput {
  root: string;
  name: string;
  policy: Policy;
  /** absolute path of the dataset/ingest config, when the gate config names one */
  config?: string;
}

export interface GateInput {
  /** absolute path of leakproof.config.json; dataset, policy and lock paths are relative to its folder */
  configPath: string;
  /** `--update`: record every passing dataset's fingerprint in the lock file */
  update: boolean;
  /** the folder messages show the lock file relative to */
  cwd: string;
  audit: (input: GateAuditInput) => Promise<AuditReport>;
}

export interface GateOutcome {
  gate: GateResult;
  /** the non-finding reasons, for JUnit */
  problems: GateProblem[];
}

const REVIEW_HINT = 'review the report, then run `leakproof gate --update` and commit the lock file';

/**
 * The merge gate: audits each dataset of the gate config and compares its fingerprint with the lock file.
 * A dataset passes when its audit passes and its fingerprint is the locked one (or `update` locks it now).
 * Errors a user can fix (missing folder, invalid policy) fail that dataset, not the whole gate.
 */
export async function runGate(input: GateInput): Promise<GateOutcome> {
  const config = await loadGateConfig(input.configPath);
  const base = dirname(input.configPath);
  const lockPath = resolve(base, config.lockFile);
  const lock = await loadLockFile(lockPath);
  const shownLockPath = relative(input.cwd, lockPath) || lockPath;
  const datasets: GateDataset[] = [];
  const problems: GateProblem[] = [];

  for (const ds of config.datasets) {
    const entry: GateDataset = { name: ds.name, path: ds.path, verdict: 'error', reasons: [] };
    datasets.push(entry);
    const lockReason = (message: string) => {
      entry.reasons.push(message);
      problems.push({ dataset: ds.name, name: 'unchanged since last passing audit', message });
    };
    try {
      const root = resolve(base, ds.path);
      if (!existsSync(root)) throw new UsageError(`dataset folder ${ds.path} does not exist`);
      const { policy } = await resolvePolicy(base, ds.policy);
      const report = await input.audit({ root, name: ds.name, policy, ...(ds.config ? { config: resolve(base, ds.config) } : {}) });
      entry.report = report;
      entry.verdict = report.verdict;
      entry.fingerprint = report.fingerprint;
      const locked = lock.datasets[ds.name];
      entry.lockedFingerprint = locked?.fingerprint;
      const failing = report.findings.filter((f) => f.severity === 'fail');
      if (report.verdict === 'fail') entry.reasons.push(`${failing.length} leakage finding(s) fail the policy`);
      if (report.verdict === 'pass' && input.update) {
        lock.datasets[ds.name] = lockEntryFor(report);
      } else if (!locked) {
        lockReason(`no passing audit of ${ds.name} is recorded in ${shownLockPath}; ${REVIEW_HINT}`);
      } else if (locked.fingerprint !== report.fingerprint) {
        lockReason(`${ds.name} changed since its last passing audit (fingerprint ${locked.fingerprint.slice(0, 12)} → ${report.fingerprint.slice(0, 12)}); ${REVIEW_HINT}`);
      }
    } catch (error) {
      if (!isLeakproofError(error)) throw error;
      entry.reasons.push(error.message);
      problems.push({ dataset: ds.name, name: 'dataset can be audited', message: error.message });
    }
  }

  const updatedLock = input.update && datasets.some((d) => d.verdict === 'pass');
  if (updatedLock) await saveLockFile(lockPath, lock);
  return { gate: { passed: datasets.every((d) => d.reasons.length === 0), lockFile: lockPath, updatedLock, datasets }, problems };
}
