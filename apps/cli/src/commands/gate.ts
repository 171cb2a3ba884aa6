import { appendFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { renderAuditMarkdown, renderAuditTable, renderJUnit } from '@leakproof/audit';
import { runGate, type GateResult } from '@leakproof/experiment/gate';
import type { CommandHandler } from '../command-table.js';
import { log, type CliContext } from '../context.js';
import { emit, requireOutputFolder, result } from '../output.js';
import { auditDataset } from './audit-support.js';
import { flagOption, optionalText, parseOptions, textOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof gate`. */
export const gateOptions = z.object({
  projectConfig: textOption('leakproof.config.json'),
  update: flagOption(),
  junit: optionalText(),
});

export type { GateDataset, GateResult } from '@leakproof/experiment/gate';

const MAX_ANNOTATIONS = 10;

export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const { projectConfig, update, junit } = parseOptions(gateOptions, rawOpts);
  const configPath = resolve(ctx.cwd, projectConfig);
  if (junit) await requireOutputFolder(ctx.cwd, junit, '--junit');
  const { gate, problems } = await runGate({ configPath, update, cwd: ctx.cwd, audit: (ds) => auditDataset(ctx, { ...ds, cache: true }) });
  if (gate.updatedLock) log(ctx, `updated ${gate.lockFile}`);
  const reports = gate.datasets.flatMap((d) => (d.report ? [d.report] : []));
  if (junit) await emit(renderJUnit(reports, problems), ctx.stdout, ctx.cwd, junit, '--junit');
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
