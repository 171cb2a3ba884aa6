import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { RunSummary } from '@leakproof/registry';
import type { CommandHandler } from '../command-table.js';
import { mdRow, result } from '../output.js';
import { withRegistry } from '../registry-access.js';
import { flagOption, parseOptions, positiveIntOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof runs list`, as commander passes them. */
export const runsListOptions = z.object({
  limit: positiveIntOption(50),
  all: flagOption(),
});

export const num = (v: number | null | undefined): string => (v === null || v === undefined ? '' : Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString());
const when = (d: Date | string): string => new Date(d).toISOString().replace('T', ' ').slice(0, 19);

// The numbers this tool exists to make trustworthy come first: held-out precision and recall.
const preferredMetrics = ['precision', 'recall', 'rocAuc', 'val_recall', 'val_loss'];
const preference = (k: string) => (preferredMetrics.includes(k) ? preferredMetrics.indexOf(k) : preferredMetrics.length);

/** Metric columns: the keys asked for, else the preferred keys, then those shared by most runs (at most 4). */
function metricColumns(runs: RunSummary[], wanted?: string[]): string[] {
  if (wanted && wanted.length > 0) return wanted;
  const counts = new Map<string, number>();
  for (const r of runs) for (const k of Object.keys(r.metrics)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => preference(a[0]) - preference(b[0]) || b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 4)
    .map(([k]) => k);
}

function rowsOf(runs: RunSummary[], metrics: string[]): { header: string[]; body: string[][] } {
  const header = ['id', 'experiment', 'name', 'status', 'model', 'created', 'fingerprint', ...metrics];
  const body = runs.map((r) => [
    String(r.id),
    r.experiment,
    r.name,
    r.archived ? `${r.status} (archived)` : r.status,
    r.model ?? '',
    when(r.createdAt),
    r.fingerprint.slice(0, 12),
    ...metrics.map((m) => num(r.metrics[m])),
  ]);
  return { header, body };
}

export function runsTable(runs: RunSummary[], metrics?: string[]): string {
  if (runs.length === 0) return 'no runs';
  const { header, body } = rowsOf(runs, metricColumns(runs, metrics));
  const table = new Table({ head: header, style: { head: [], border: [] } });
  table.push(...body);
  return table.toString();
}

export function runsMarkdown(runs: RunSummary[], metrics?: string[]): string {
  if (runs.length === 0) return '_no runs_';
  const { header, body } = rowsOf(runs, metricColumns(runs, metrics));
  return [mdRow(header), mdRow(header.map(() => '---')), ...body.map(mdRow)].join('\n');
}

/** CSV keeps everything: every metric key as its own column, params and tags as JSON. */
export function runsCsv(runs: RunSummary[]): string {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  const header = ['id', 'experiment', 'name', 'status', 'archived', 'model', 'backend', 'seed', 'created', 'finished', 'dataset', 'fingerprint', 'params', 'tags', ...keys.map((k) => `metrics.${k}`)];
  const body = runs.map((r) => [
    r.id,
    r.experiment,
    r.name,
    r.status,
    // csv-stringify would write false as an empty cell, which reads as "unknown"
    String(r.archived),
    r.model ?? '',
    r.backend ?? '',
    r.seed ?? '',
    new Date(r.createdAt).toISOString(),
    r.finishedAt ? new Date(r.finishedAt).toISOString() : '',
    r.datasetName,
    r.fingerprint,
    JSON.stringify(r.params),
    JSON.stringify(r.tags),
    ...keys.map((k) => r.metrics[k] ?? ''),
  ]);
  return stringify([header, ...body]);
}

export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const opts = parseOptions(runsListOptions, rawOpts);
  const limit = opts.limit;
  const runs = await withRegistry(ctx, (registry) => registry.listRuns({ limit, includeArchived: opts.all }));
  return result(runs, { table: (d) => runsTable(d), md: (d) => runsMarkdown(d), csv: runsCsv });
};
