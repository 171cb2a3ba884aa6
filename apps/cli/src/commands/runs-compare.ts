import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { RunDetail } from '@leakproof/registry';
import type { CommandHandler } from '../command-table.js';
import { mdRow, result } from '../output.js';
import { UserError } from '../errors.js';
import { withRegistry } from '../registry-access.js';
import { num } from './runs-list.js';
import { parseRunId } from '../run-id.js';
import { flattenParams, loadRun } from './runs-show.js';

export interface Comparison {
  runs: { id: number; name: string; experiment: string; status: string; fingerprint: string }[];
  /** rows: label, then one cell per run */
  rows: { section: 'run' | 'params' | 'metrics' | 'evaluation'; label: string; values: string[] }[];
  identicalParams: number;
}

export function compareRuns(runs: RunDetail[]): Comparison {
  const rows: Comparison['rows'] = [];
  const push = (section: Comparison['rows'][number]['section'], label: string, values: string[]) => rows.push({ section, label, values });
  push('run', 'model', runs.map((r) => r.model ?? ''));
  push('run', 'audit', runs.map((r) => `#${r.audit.id} ${r.audit.fingerprint.slice(0, 12)}`));
  const params = runs.map((r) => flattenParams(r.params));
  const paramKeys = [...new Set(params.flatMap((p) => Object.keys(p)))].sort();
  let identicalParams = 0;
  for (const key of paramKeys) {
    const values = params.map((p) => p[key] ?? '');
    if (new Set(values).size > 1) push('params', key, values);
    else identicalParams += 1;
  }
  const metricKeys = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.key)))].sort();
  for (const key of metricKeys) push('metrics', key, runs.map((r) => num(r.metrics.find((m) => m.key === key)?.last)));
  const evalKeys = [...new Set(runs.flatMap((r) => r.evaluations.flatMap((e) => Object.keys(e.metrics).map((m) => `${e.split}.${m}`))))].sort();
  for (const key of evalKeys) {
    const [split, metric] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
    push(
      'evaluation',
      key,
      runs.map((r) => {
        const latest = r.evaluations.filter((e) => e.split === split && e.metrics[metric]).at(-1);
        return latest ? num(latest.metrics[metric]?.value) : '';
      }),
    );
  }
  return { runs: runs.map((r) => ({ id: r.id, name: r.name, experiment: r.experiment, status: r.status, fingerprint: r.audit.fingerprint })), rows, identicalParams };
}

export const run: CommandHandler = async (ctx, args) => {
  const ids = args.map((a) => parseRunId(a));
  if (ids.length < 2) throw new UserError('runs compare needs at least two run ids', 'e.g. leakproof runs compare 3 7');
  const runs = await withRegistry(ctx, async (registry) => {
    const found: RunDetail[] = [];
    for (const id of ids) found.push(await loadRun(registry, id));
    return found;
  });
  const comparison = compareRuns(runs);
  const header = (c: Comparison) => ['', ...c.runs.map((r) => `#${r.id} ${r.name}`)];
  const label = (row: Comparison['rows'][number]) => (row.section === 'run' ? row.label : `${row.section}.${row.label}`);
  return result(comparison, {
      table: (c) => {
        const t = new Table({ head: header(c), style: { head: [], border: [] } });
        t.push(...c.rows.map((row) => [label(row), ...row.values]));
        return `${t.toString()}\n${c.identicalParams} identical params not shown`;
      },
      md: (c) =>
        [mdRow(header(c)), mdRow(header(c).map(() => '---')), ...c.rows.map((row) => mdRow([label(row), ...row.values])), '', `_${c.identicalParams} identical params not shown_`].join('\n'),
      csv: (c) => stringify([header(c), ...c.rows.map((row) => [label(row), ...row.values])]),
    });
};
