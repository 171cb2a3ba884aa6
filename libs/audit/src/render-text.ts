import { noFindingsSentence } from '@leakproof/core';
import type { AuditReport, Finding } from './report-schema.js';

const icon = { fail: '✗', warn: '!', info: '·' } as const;

function findingLine(f: Finding): string {
  const where = f.kind === 'patient' ? `patient ${f.patient}` : `${f.pathA} ↔ ${f.pathB}`;
  const score = f.score !== undefined && f.kind !== 'patient' ? ` score ${f.score}` : '';
  return `${icon[f.severity]} ${f.severity.padEnd(4)} ${f.kind.padEnd(14)} ${f.splitA}↔${f.splitB}  ${where}${score}${f.allowedBecause ? `  (allowed: ${f.allowedBecause})` : ''}`;
}

function counts(report: AuditReport): string {
  const by = new Map<string, number>();
  for (const f of report.findings) by.set(`${f.severity} ${f.kind}`, (by.get(`${f.severity} ${f.kind}`) ?? 0) + 1);
  return [...by].map(([k, n]) => `${n} ${k}`).join(', ') || 'no findings';
}

/** Plain-text report for a terminal: verdict first, then splits, findings (capped), problems. */
export function renderAuditTable(report: AuditReport, options: { maxFindings?: number } = {}): string {
  const max = options.maxFindings ?? 50;
  const lines: string[] = [];
  lines.push(`${report.verdict === 'pass' ? 'PASS' : 'FAIL'}  ${report.dataset.name}  (${report.dataset.root})`);
  lines.push(`fingerprint ${report.fingerprint.slice(0, 16)}…  policy ${report.policyHash.slice(0, 12)}…  ${counts(report)}`);
  lines.push('');
  lines.push('split        images  patients  classes');
  for (const s of report.splits) {
    lines.push(`${s.name.padEnd(12)} ${String(s.images).padStart(6)}  ${String(s.patients).padStart(8)}  ${Object.entries(s.classes).map(([c, n]) => `${c}=${n}`).join(' ')}`);
  }
  lines.push('');
  if (report.findings.length === 0) lines.push(noFindingsSentence(report.splits.map((x) => x.name)));
  for (const f of report.findings.slice(0, max)) lines.push(findingLine(f));
  if (report.findings.length > max) lines.push(`… and ${report.findings.length - max} more (use --format json or html for all)`);
  const dupes = report.info.withinSplitDuplicates.length;
  if (dupes) lines.push('', `info: ${dupes} group(s) of duplicates within a split (not leakage)`);
  if (report.problems.length) {
    lines.push('', `${report.problems.length} problem(s) with the input:`);
    for (const p of report.problems.slice(0, 20)) lines.push(`  ${p.severity === 'error' ? '✗' : '·'} ${p.kind.padEnd(26)} ${p.path}: ${p.message}`);
    if (report.problems.length > 20) lines.push(`  … and ${report.problems.length - 20} more`);
  }
  const t = report.timings;
  lines.push('', `${t.images} images (${t.fromCache} from cache) in ${(t.totalMs / 1000).toFixed(1)} s`);
  return lines.join('\n') + '\n';
}

function mdEscape(s: string): string {
  // the backslash too, or a name's own `\|` became `\\|` and the pipe split the table cell; a line break
  // (legal in a file name) ended the table row, so control characters are shown as \uXXXX
  return s
    .replace(/[\\|`*_<>[\]]/g, (c) => `\\${c}`)
    .replace(/\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** GitHub-flavoured Markdown for PR comments and the Actions step summary. */
export function renderAuditMarkdown(report: AuditReport, options: { maxFindings?: number } = {}): string {
  const max = options.maxFindings ?? 100;
  const out: string[] = [];
  out.push(`### ${report.verdict === 'pass' ? '✅' : '❌'} Leakage audit: ${mdEscape(report.dataset.name)} — **${report.verdict.toUpperCase()}**`, '');
  out.push(`Fingerprint \`${report.fingerprint.slice(0, 16)}\` · policy \`${report.policyHash.slice(0, 12)}\` · ${counts(report)}`, '');
  out.push('| split | images | patients | classes |', '|---|---:|---:|---|');
  for (const s of report.splits) out.push(`| ${mdEscape(s.name)} | ${s.images} | ${s.patients} | ${Object.entries(s.classes).map(([c, n]) => `${mdEscape(c)} ${n}`).join(', ')} |`);
  out.push('');
  if (report.findings.length) {
    out.push('| severity | kind | splits | what | score |', '|---|---|---|---|---:|');
    for (const f of report.findings.slice(0, max)) {
      const what = f.kind === 'patient' ? `patient ${mdEscape(f.patient ?? '')}` : `${mdEscape(f.pathA ?? '')} ↔ ${mdEscape(f.pathB ?? '')}`;
      out.push(`| ${f.severity} | ${f.kind} | ${mdEscape(f.splitA)} ↔ ${mdEscape(f.splitB)} | ${what}${f.allowedBecause ? ` (allowed: ${mdEscape(f.allowedBecause)})` : ''} | ${f.kind === 'patient' ? '' : (f.score ?? '')} |`);
    }
    if (report.findings.length > max) out.push('', `…and ${report.findings.length - max} more findings (see the JSON or HTML report).`);
  } else out.push(mdEscape(noFindingsSentence(report.splits.map((x) => x.name))));
  if (report.problems.length) {
    out.push('', `<details><summary>${report.problems.length} input problem(s)</summary>`, '');
    for (const p of report.problems.slice(0, 50)) out.push(`- \`${p.kind}\` ${mdEscape(p.path)}: ${mdEscape(p.message)}`);
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
}
