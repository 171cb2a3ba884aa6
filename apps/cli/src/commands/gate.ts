import { appendFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { loadGateConfig, loadLockFile, renderAuditMarkdown, renderAuditTable, renderJUnit, saveLockFile, type AuditReport } from '@leakproof/audit';
import type { CommandHandler } from '../command-table.js';
import { log, type CliContext } from '../context.js';
import { isUserFacing, UserError } from '../errors.js';
import { result } from '../output.js';
import { auditDataset, resolvePolicy } from './audit-support.js';
import { flagOption, optionalText, parseOptions, textOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof gate`. */
export const gateOptions = z.object({
  projectConfig: textOption('leakproof.config.json'),
  update: flagOption(),
  junit: optionalText(),
});

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

const MAX_ANNOTATIONS = 10;

export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const { projectConfig, update, junit } = parseOptions(gateOptions, rawOpts);
  const configPath = resolve(ctx.cwd, projectConfig);
  const config = await loadGateConfig(configPath);
  const base = dirname(configPath);
  const lockPath = resolve(base, config.lockFile);
  const lock = await loadLockFile(lockPath);
  const datasets: GateDataset[] = [];
  // JUnit cases for reasons other than leakage findings (those come from the reports), recorded where they arise
  const extra: { dataset: string; name: string; message: string }[] = [];
  const lockReason = (dataset: string, message: string) => extra.push({ dataset, name: 'unchanged since last passing audit', message });

  for (const ds of config.datasets) {
    const root = resolve(base, ds.path);
    const entry: GateDataset = { name: ds.name, path: ds.path, verdict: 'error', reasons: [] };
    datasets.push(entry);
    try {
      if (!existsSync(root)) throw new UserError(`dataset folder ${ds.path} does not exist`);
      const { policy } = await resolvePolicy(base, ds.policy);
      const report = await auditDataset(ctx, { root, name: ds.name, policy, cache: true, ...(ds.config ? { config: resolve(base, ds.config) } : {}) });
      entry.report = report;
      entry.verdict = report.verdict;
      entry.fingerprint = report.fingerprint;
      const locked = lock.datasets[ds.name];
      entry.lockedFingerprint = locked?.fingerprint;
      const failing = report.findings.filter((f) => f.severity === 'fail');
      if (report.verdict === 'fail') entry.reasons.push(`${failing.length} leakage finding(s) fail the policy`);
      if (report.verdict === 'pass' && update) {
        lock.datasets[ds.name] = { fingerprint: report.fingerprint, policyHash: report.policyHash, images: report.timings.images, auditedAt: report.createdAt, tool: `${report.tool.name} ${report.tool.version}` };
      } else if (!locked) {
        entry.reasons.push(`no passing audit of ${ds.name} is recorded in ${relative(ctx.cwd, lockPath) || lockPath}; review the report, then run \`leakproof gate --update\` and commit the lock file`);
        lockReason(ds.name, entry.reasons[entry.reasons.length - 1] as string);
      } else if (locked.fingerprint !== report.fingerprint) {
        entry.reasons.push(`${ds.name} changed since its last passing audit (fingerprint ${locked.fingerprint.slice(0, 12)} → ${report.fingerprint.slice(0, 12)}); review the report, then run \`leakproof gate --update\` and commit the lock file`);
        lockReason(ds.name, entry.reasons[entry.reasons.length - 1] as string);
      }
    } catch (error) {
      if (!isUserFacing(error)) throw error;
      entry.reasons.push(error.message);
      extra.push({ dataset: ds.name, name: 'dataset can be audited', message: error.message });
    }
  }

  const updatedLock = update && datasets.some((d) => d.verdict === 'pass');
  if (updatedLock) {
    await saveLockFile(lockPath, lock);
    log(ctx, `updated ${lockPath}`);
  }
  const gate: GateResult = { passed: datasets.every((d) => d.reasons.length === 0), lockFile: lockPath, updatedLock, datasets };
  const reports = datasets.flatMap((d) => (d.report ? [d.report] : []));
  if (junit) await writeFile(resolve(ctx.cwd, junit), renderJUnit(reports, extra));
  if (ctx.env['GITHUB_ACTIONS'] === 'true') await reportToGitHub(ctx, gate);

  return result<unknown>(gate, { table: (g) => renderGateTable(g as GateResult), md: (g) => renderGateMarkdown(g as GateResult) }, gate.passed ? 0 : 1);
};

function annotationEscape(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function propertyEscape(s: string): string {
  return annotationEscape(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::error` annotations (first 10, the rest summarised) and the Markdown report in the job summary. */
async function reportToGitHub(ctx: CliContext, gate: GateResult): Promise<void> {
  const workspace = ctx.env['GITHUB_WORKSPACE'] ?? ctx.cwd;
  const annotations: string[] = [];
  for (const d of gate.datasets) {
    for (const f of d.report?.findings.filter((x) => x.severity === 'fail') ?? []) {
      const file = f.pathB ? relative(workspace, resolve(d.report?.dataset.root ?? '', f.pathB)) : d.path;
      annotations.push(`::error file=${propertyEscape(file)},title=${propertyEscape(`leakage: ${f.kind} (${d.name})`)}::${annotationEscape(f.detail)}`);
    }
    for (const reason of d.reasons.filter((r) => !/leakage finding/.test(r))) annotations.push(`::error title=${propertyEscape(`leakage gate: ${d.name}`)}::${annotationEscape(reason)}`);
  }
  for (const a of annotations.slice(0, MAX_ANNOTATIONS)) ctx.stdout.write(a + '\n');
  if (annotations.length > MAX_ANNOTATIONS) {
    ctx.stdout.write(`::error title=leakage gate::${annotations.length - MAX_ANNOTATIONS} more problem(s) not annotated; see the job summary\n`);
  }
  const summary = ctx.env['GITHUB_STEP_SUMMARY'];
  if (summary) await appendFile(summary, renderGateMarkdown(gate) + '\n');
}

export function renderGateTable(gate: GateResult): string {
  const lines = [`leakage gate: ${gate.passed ? 'PASS' : 'FAIL'}`];
  for (const d of gate.datasets) {
    lines.push('', `== ${d.name} (${d.path}): ${d.reasons.length ? 'FAIL' : 'PASS'}`);
    for (const r of d.reasons) lines.push(`  ✗ ${r}`);
    if (d.report) lines.push(renderAuditTable(d.report, { maxFindings: 20 }).replace(/^/gm, '  ').trimEnd());
  }
  if (gate.updatedLock) lines.push('', `lock file updated: ${gate.lockFile} (commit it)`);
  return lines.join('\n') + '\n';
}

export function renderGateMarkdown(gate: GateResult): string {
  const out = [`## ${gate.passed ? '✅' : '❌'} Leakage gate: ${gate.passed ? 'pass' : 'fail'}`, ''];
  for (const d of gate.datasets) {
    for (const r of d.reasons) out.push(`- **${d.name}**: ${r}`);
  }
  out.push('');
  for (const d of gate.datasets) if (d.report) out.push(renderAuditMarkdown(d.report, { maxFindings: 50 }));
  return out.join('\n');
}
