import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { EvaluationHistoryRow } from '@leakproof/registry';
import type { CommandHandler } from '../command-table.js';
import { mdRow, requireOutputFolder, result } from '../output.js';
import { log } from '../context.js';
import { UserError } from '../errors.js';
import { withRegistry } from '../registry-access.js';
import { thresholdRuleLabel } from '../threshold-rule-label.js';
import { num } from './runs-list.js';
import { optionalText, parseOptions, textOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof history`, as commander passes them. */
export const historyOptions = z.object({
  fingerprint: optionalText(),
  metric: textOption('precision,recall'),
  plot: optionalText(),
});

interface HistoryPoint {
  when: string;
  run: string;
  split: string;
  metric: string;
  value: number;
  lo: number | null;
  hi: number | null;
}

export interface History {
  fingerprint: string;
  metrics: string[];
  evaluations: EvaluationHistoryRow[];
  plot: string | null;
}

function points(rows: EvaluationHistoryRow[], metrics: string[]): HistoryPoint[] {
  return rows.flatMap((row) =>
    metrics.flatMap((metric) => {
      const m = row.metrics[metric];
      if (!m || m.value === null || !Number.isFinite(m.value)) return [];
      return [{ when: new Date(row.createdAt).toISOString(), run: `#${row.runId} ${row.runName}`, split: row.split, metric, value: m.value, lo: m.lo ?? null, hi: m.hi ?? null }];
    }),
  );
}

/** A line per metric × split over time, with the confidence interval as an error bar. */
export async function historySvg(data: HistoryPoint[], fingerprint: string): Promise<string> {
  const x = { field: 'when', type: 'temporal', title: 'evaluated at' } as const;
  const color = { field: 'metric', type: 'nominal' } as const;
  // one title for both layers: left to vega-lite, the axis read 'lo, value' (the field names)
  const yTitle = 'value (bars: confidence interval)';
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `evaluations on split fingerprint ${fingerprint.slice(0, 12)}`,
    width: 560,
    height: 300,
    background: 'white',
    data: { values: data },
    layer: [
      { mark: { type: 'errorbar', ticks: true }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: yTitle }, y2: { field: 'hi' }, color } },
      {
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
          color,
          strokeDash: { field: 'split', type: 'nominal' },
          tooltip: [{ field: 'run' }, { field: 'split' }, { field: 'metric' }, { field: 'value', format: '.3f' }],
        },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * A metric no evaluation on the fingerprint has is a usage error (exit 2) naming the metrics that exist,
 * not an empty column with exit 0. With no evaluations at all there is nothing to check against.
 */
function requireKnownMetrics(evaluations: EvaluationHistoryRow[], metrics: string[], prefix: string): void {
  if (evaluations.length === 0) return;
  const known = new Set(evaluations.flatMap((e) => Object.keys(e.metrics)));
  const unknown = metrics.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw new UserError(
      `no evaluation on split fingerprint ${prefix} has metric ${unknown.map((m) => `'${m}'`).join(', ')}`,
      `metrics recorded there: ${[...known].sort().join(', ')} (e.g. --metric ${[...known].sort().slice(0, 2).join(',')})`,
    );
  }
}

export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const opts = parseOptions(historyOptions, rawOpts);
  const prefix = (opts.fingerprint ?? '').trim().toLowerCase();
  if (!/^[0-9a-f]{4,64}$/.test(prefix)) {
    throw new UserError('history needs --fingerprint <fp>: a split fingerprint or a prefix of at least 4 hex characters', 'find fingerprints with `leakproof runs list`');
  }
  // like -o: a --plot the command could not write is refused before the registry is opened
  if (opts.plot !== undefined) await requireOutputFolder(ctx.cwd, opts.plot, '--plot');
  const metrics = opts.metric
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const all = await withRegistry(ctx, (registry) => registry.evaluationHistory({ fingerprintPrefix: prefix }));
  requireKnownMetrics(all, metrics, prefix);
  const evaluations = all.map((e) => ({ ...e, metrics: Object.fromEntries(Object.entries(e.metrics).filter(([m]) => metrics.includes(m))) }));
  const fingerprints = [...new Set(evaluations.map((e) => e.fingerprint))];
  if (fingerprints.length > 1) throw new UserError(`fingerprint prefix '${prefix}' matches ${fingerprints.length} splits: ${fingerprints.map((f) => f.slice(0, 16)).join(', ')}`, 'give more characters of the fingerprint');
  const fingerprint = fingerprints[0] ?? prefix;
  let plot: string | null = null;
  const data = points(evaluations, metrics);
  if (data.length > 0) {
    plot = resolve(ctx.cwd, opts.plot ?? join('.leakproof', 'plots', `history-${fingerprint.slice(0, 12)}.svg`));
    await mkdir(dirname(plot), { recursive: true });
    await writeFile(plot, await historySvg(data, fingerprint));
    log(ctx, `plot: ${plot}`);
  }
  const history: History = { fingerprint, metrics, evaluations, plot };
  const header = ['evaluated', 'run', 'model', 'split', 'threshold', 'rule', ...metrics];
  const cells = (h: History) =>
    h.evaluations.map((e) => [
      new Date(e.createdAt).toISOString().replace('T', ' ').slice(0, 19),
      `#${e.runId} ${e.runName}`,
      e.model ?? '',
      e.split,
      num(e.threshold),
      thresholdRuleLabel(e.thresholdRule),
      ...h.metrics.map((m) => {
        const v = e.metrics[m];
        if (!v) return '';
        return v.lo === undefined || v.lo === null || v.hi === undefined || v.hi === null ? num(v.value) : `${num(v.value)} [${num(v.lo)}, ${num(v.hi)}]`;
      }),
    ]);
  return result(history, {
      table: (h) => {
        if (h.evaluations.length === 0) return `no evaluations on split fingerprint ${h.fingerprint}`;
        const t = new Table({ head: header, style: { head: [], border: [] } });
        t.push(...cells(h));
        return `${t.toString()}${h.plot ? `\nplot: ${h.plot}` : ''}`;
      },
      md: (h) => [mdRow(header), mdRow(header.map(() => '---')), ...cells(h).map(mdRow), ...(h.plot ? ['', `plot: ${h.plot}`] : [])].join('\n'),
      csv: (h) => stringify([header, ...cells(h)]),
    });
};
