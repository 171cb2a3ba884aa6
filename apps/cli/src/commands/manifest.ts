import { resolve } from 'node:path';
import Table from 'cli-table3';
import { buildManifest, summarizeManifest, type Manifest, type ManifestSummary } from '@leakproof/ingest';
import type { CommandHandler } from '../command-table.js';
import type { CliContext } from '../context.js';
import { result } from '../output.js';
import { datasetConfigFrom, patientKeyFor } from './dataset-input.js';
import { optionalText, parseOptions } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof manifest`, as commander passes them. */
export const manifestOptions = z.object({
  config: optionalText(),
  preset: optionalText(),
});

export interface ManifestReport {
  summary: ManifestSummary;
  manifest: Manifest;
}

function progress(ctx: CliContext): ((done: number, total: number) => void) | undefined {
  if (!ctx.interactive) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done !== total && now - last < 100) return;
    last = now;
    ctx.stderr.write(`\rhashing ${done}/${total} files${done === total ? '\n' : ''}`);
  };
}

// no ANSI colours: tables are also piped into files and CI logs
const plain = { head: [], border: [] };
const fmt = (n: number): string => n.toLocaleString('en');

function renderTable({ summary, manifest }: ManifestReport): string {
  const ids = manifest.patientIdKey ? `, patient IDs keyed-hashed with ${manifest.patientIdKey}` : '';
  const out: string[] = [`${manifest.root}  (layout ${manifest.layout}, patient rule ${manifest.idRule}${ids})`, ''];
  const counts = new Table({ head: ['split', ...summary.classes, 'images', 'patients'], style: plain });
  for (const split of summary.splits) {
    const row = summary.counts[split] ?? {};
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    counts.push([split, ...summary.classes.map((c) => fmt(row[c] ?? 0)), fmt(total), fmt(summary.patients.perSplit[split] ?? 0)]);
  }
  counts.push(['total', ...summary.classes.map((c) => fmt(summary.classTotals[c] ?? 0)), fmt(summary.images), fmt(summary.patients.total)]);
  out.push(counts.toString());
  if (summary.patients.perSeries) {
    const series = new Table({ head: ['series', ...summary.splits, 'patients'], style: plain });
    for (const [name, row] of Object.entries(summary.patients.perSeries).sort()) series.push([name, ...summary.splits.map((s) => fmt(row[s] ?? 0)), fmt(row.total)]);
    out.push('', 'patients per series', series.toString());
  }
  const ipp = summary.imagesPerPatient;
  out.push('', `images per patient: max ${ipp.max}${ipp.maxPatient ? ` (${ipp.maxPatient})` : ''}, median ${ipp.median}`);
  if (summary.patients.inSeveralSplits) out.push(`patient IDs in more than one split: ${summary.patients.inSeveralSplits} (run \`leakproof audit\`)`);
  if (manifest.problems.length === 0) {
    out.push('', 'no problems found');
  } else {
    const problems = new Table({ head: ['file', 'problem', 'what', 'fix'], colWidths: [null, null, 60, 40], wordWrap: true, style: plain });
    for (const p of manifest.problems) problems.push([p.path, p.severity === 'note' ? `${p.kind} (note)` : p.kind, p.message, p.hint ?? '']);
    out.push('', `${summary.problems.errors} problem(s), ${summary.problems.notes} note(s) — these files are not in the manifest`, problems.toString());
  }
  return out.join('\n');
}

function renderMarkdown({ summary, manifest }: ManifestReport): string {
  const lines = [`# Manifest of \`${manifest.root}\``, '', `| split | ${summary.classes.join(' | ')} | patients |`, `|---|${summary.classes.map(() => '---:|').join('')}---:|`];
  for (const s of summary.splits) lines.push(`| ${s} | ${summary.classes.map((c) => summary.counts[s]?.[c] ?? 0).join(' | ')} | ${summary.patients.perSplit[s] ?? 0} |`);
  lines.push('', `Images per patient: max ${summary.imagesPerPatient.max}, median ${summary.imagesPerPatient.median}.`, '');
  if (manifest.problems.length) {
    lines.push('| file | problem | what |', '|---|---|---|');
    for (const p of manifest.problems) lines.push(`| \`${p.path}\` | ${p.kind} | ${p.message.replaceAll('|', '\\|')} |`);
  }
  return lines.join('\n');
}

/** `leakproof manifest <dataset> [--config f] [--preset name]`: always exit 0; problems are listed, not fatal. */
export const run: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(manifestOptions, rawOpts);
  const root = resolve(ctx.cwd, args[0] ?? '.');
  const config = await datasetConfigFrom(ctx, opts.config, opts.preset);
  const onProgress = progress(ctx);
  const manifest = await buildManifest(root, config, { patientIdKey: patientKeyFor(ctx), ...(onProgress ? { onProgress } : {}) });
  const report: ManifestReport = { summary: summarizeManifest(manifest), manifest };
  return result(report, { table: renderTable, md: renderMarkdown });
};
