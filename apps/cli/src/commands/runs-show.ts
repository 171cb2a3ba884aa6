import { predictionsArtifactKind } from '@leakproof/experiment';
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import type { RegistryApi, RunDetail } from '@leakproof/registry';
import type { CommandHandler } from '../command-table.js';
import { mdRow, result } from '../output.js';
import { UserError } from '../errors.js';
import { parseRunId } from '../run-id.js';
import { withRegistry } from '../registry-access.js';
import { thresholdRuleLabel } from '../threshold-rule-label.js';
import { num } from './runs-list.js';

export async function loadRun(registry: RegistryApi, id: number): Promise<RunDetail> {
  const found = await registry.getRun(id);
  if (!found) throw new UserError(`run ${id} does not exist`, 'list runs with `leakproof runs list --all`');
  return found;
}

/** params flattened to dotted keys, values as JSON text */
export function flattenParams(value: unknown, prefix = '', into: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flattenParams(v, prefix ? `${prefix}.${k}` : k, into);
  } else if (prefix) {
    into[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return into;
}

const interval = (m: { value: number | null; lo?: number | null; hi?: number | null }) =>
  m.lo === undefined || m.lo === null || m.hi === undefined || m.hi === null ? num(m.value) : `${num(m.value)} [${num(m.lo)}, ${num(m.hi)}]`;

/** Each section as rows of cells, shared by the table, Markdown and CSV renderers. */
function sections(r: RunDetail): { title: string; header: string[]; rows: string[][] }[] {
  const evaluationMetrics = [...new Set(r.evaluations.flatMap((e) => Object.keys(e.metrics)))];
  return [
    {
      title: `run ${r.id}`,
      header: ['field', 'value'],
      rows: [
        ['name', r.name],
        ['experiment', r.experiment],
        ['status', r.archived ? `${r.status} (archived)` : r.status],
        ['model', r.model ?? ''],
        ['backend', r.backend ?? ''],
        ['seed', r.seed === null ? '' : String(r.seed)],
        ['git', r.gitCommit ? `${r.gitCommit}${r.gitDirty ? ' (dirty)' : ''}` : ''],
        ['created', new Date(r.createdAt).toISOString()],
        ['finished', r.finishedAt ? new Date(r.finishedAt).toISOString() : ''],
        ['audit', `#${r.audit.id} ${r.audit.verdict} ${r.audit.datasetName} ${r.audit.fingerprint}`],
        ['audited splits', r.audit.splits.map((s) => `${s.name} (${s.images} images, ${s.patients} patients)`).join(', ')],
      ],
    },
    { title: 'params', header: ['param', 'value'], rows: Object.entries(flattenParams(r.params)) },
    { title: 'metrics', header: ['metric', 'last', 'step', 'min', 'max', 'count'], rows: r.metrics.map((m) => [m.key, num(m.last), String(m.lastStep), num(m.min), num(m.max), String(m.count)]) },
    {
      title: 'evaluations',
      header: ['split', 'threshold', 'rule', 'tp/fp/tn/fn', ...evaluationMetrics, 'predictions'],
      rows: r.evaluations.map((e) => [
        e.split,
        num(e.threshold),
        thresholdRuleLabel(e.thresholdRule),
        `${e.confusion.tp}/${e.confusion.fp}/${e.confusion.tn}/${e.confusion.fn}`,
        ...evaluationMetrics.map((m) => (e.metrics[m] ? interval(e.metrics[m]) : '')),
        r.artifacts.find((a) => a.kind === predictionsArtifactKind(e.split, e.id))?.path ?? '',
      ]),
    },
    { title: 'artifacts', header: ['kind', 'path', 'size', 'sha256'], rows: r.artifacts.map((a) => [a.kind, a.path, String(a.size), a.sha256.slice(0, 16)]) },
    { title: 'tags', header: ['tag', 'value'], rows: Object.entries(r.tags) },
  ].filter((s) => s.rows.length > 0);
}

/**
 * Sections have different columns, so CSV is long ("tidy"): one row per cell, four columns always —
 * the section, the row's key (its first cell), the column name, the value.
 */
function tidyRows(r: RunDetail): string[][] {
  const rows = [['section', 'key', 'field', 'value']];
  for (const s of sections(r)) {
    for (const row of s.rows) for (let i = 1; i < s.header.length; i++) rows.push([s.title, row[0] ?? '', s.header[i] ?? '', row[i] ?? '']);
  }
  return rows;
}

export const run: CommandHandler = async (ctx, args) => {
  const id = parseRunId(args[0]);
  const detail = await withRegistry(ctx, (registry) => loadRun(registry, id));
  return result(detail, {
      table: (r) =>
        sections(r)
          .map((s) => {
            const t = new Table({ head: s.header, style: { head: [], border: [] } });
            t.push(...s.rows);
            return `${s.title}\n${t.toString()}`;
          })
          .join('\n\n'),
      md: (r) =>
        sections(r)
          .map((s) => [`### ${s.title}`, '', mdRow(s.header), mdRow(s.header.map(() => '---')), ...s.rows.map(mdRow)].join('\n'))
          .join('\n\n'),
      csv: (r) => stringify(tidyRows(r)),
    });
};
