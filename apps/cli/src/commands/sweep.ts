import { auditedPlan, loadExperimentConfig, loadManifest } from '@leakproof/experiment';
import { randomBytes } from 'node:crypto';
import Table from 'cli-table3';
import { codeVersion, enqueueSweep, expandGrid, pickBest, queueSettingsFromEnv, requirePostgres, sweepJobStates, type SweepJob, type SweepRunMetrics } from '@leakproof/queue';
import { parseTrainConfig } from '@leakproof/trainer';
import type { CommandHandler } from '../command-table.js';
import { experimentContext, log, type CliContext } from '../context.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { withRegistry } from '../registry-access.js';
import { optionalText, parseOptions, positiveIntOption, textOption } from '../options.js';
import { z } from 'zod';
import { resolvePolicy } from './audit-support.js';

/** The options of `leakproof sweep`; --grid is required only to start a sweep, so it is checked in the handler. */
export const sweepOptions = z.object({
  config: optionalText(),
  grid: optionalText(),
  seeds: positiveIntOption(1),
  metric: textOption('val_auc'),
});
type SweepOptions = z.output<typeof sweepOptions>;

/** `leakproof sweep --config exp.json --grid '…'` starts a sweep; `leakproof sweep status <id>` shows it. */
export const run: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(sweepOptions, rawOpts);
  requirePostgres(ctx.env['DATABASE_URL']);
  if (args[0] === 'status') {
    if (!args[1]) throw new UserError('missing sweep id', 'leakproof sweep status sw-1a2b3c');
    return status(ctx, args[1], opts.metric);
  }
  if (args[0] !== undefined) throw new UserError(`unknown sweep action '${args[0]}'`, "use `leakproof sweep --config exp.json --grid '…'` or `leakproof sweep status <id>`");
  if (!opts.grid) throw new UserError('missing --grid', "e.g. --grid 'train.maxLr=[0.001,0.003] train.imageSize=[128,160]'");
  return start(ctx, { ...opts, grid: opts.grid });
};

async function start(ctx: CliContext, opts: SweepOptions & { grid: string }) {
  const loaded = await loadExperimentConfig(ctx.cwd, opts.config, []);
  const points = expandGrid(opts.grid, opts.seeds);
  // every configuration is validated before anything is enqueued
  for (const p of points) {
    const cfg = (await loadExperimentConfig(ctx.cwd, opts.config, p.overrides)).config;
    parseTrainConfig({ positiveClass: cfg.positiveClass, ...cfg.train }, `configuration #${p.index} (${p.overrides.join(' ')})`);
  }
  const { policy } = await resolvePolicy(ctx.cwd, undefined);
  const sweepId = `sw-${randomBytes(3).toString('hex')}`;
  const version = codeVersion(ctx.env);
  // one audit check, one split plan, one recorded audit of the planned splits: every run binds to it
  const bound = await withRegistry(ctx, async (registry) => auditedPlan(experimentContext(ctx), registry, await loadManifest(experimentContext(ctx), loaded.config), loaded.config, policy));
  const jobs: SweepJob[] = points.map((p) => ({ version, sweepId, index: p.index, overrides: p.overrides, values: p.values, config: loaded.config as unknown as Record<string, unknown>, verbatim: loaded.verbatim, auditId: bound.record.id, fingerprint: bound.report.fingerprint }));
  await enqueueSweep(ctx.env['DATABASE_URL'], { version, settings: queueSettingsFromEnv(ctx.env), jobs, log: (l) => log(ctx, l) });
  log(ctx, `sweep ${sweepId}: ${jobs.length} configuration(s) queued for \`leakproof worker --queues train\`, bound to audit #${bound.record.id}`);
  log(ctx, `watch it: leakproof sweep status ${sweepId}   (or: leakproof runs query "tags.sweep = '${sweepId}'")`);
  const data = { sweepId, auditId: bound.record.id, fingerprint: bound.report.fingerprint, configurations: points.map((p) => ({ index: p.index, values: p.values })) };
  return result(data, { table: (d) => `sweep ${(d as typeof data).sweepId}: ${(d as typeof data).configurations.length} configuration(s) queued` });
}

interface SweepStatus {
  sweepId: string;
  metric: string;
  rows: { index: number; values: Record<string, unknown>; job: string; error?: string; runId?: number; run?: string; value?: number }[];
  best?: { index: number; runId: number; value: number; values: Record<string, unknown> };
  note: string;
}

async function status(ctx: CliContext, sweepId: string, metric: string) {
  const version = codeVersion(ctx.env);
  const jobs = await sweepJobStates(ctx.env['DATABASE_URL'], { version, settings: queueSettingsFromEnv(ctx.env), sweepId });
  if (jobs.length === 0) throw new UserError(`no sweep ${sweepId} in the queue of version ${version}`, 'check the id printed by `leakproof sweep` (and LEAKPROOF_CODE_VERSION)');
  const runs = await withRegistry(ctx, async (registry) => {
    const found = await registry.queryRuns(`tags.sweep = '${sweepId}'`, { includeArchived: true, limit: 10_000 });
    const lower = metric.endsWith('loss');
    return Promise.all(
      found.map(async (r): Promise<SweepRunMetrics> => {
        const s = (await registry.metricSummaries(r.id)).find((m) => m.key === metric);
        return { runId: r.id, index: Number(r.tags['sweep_job']), status: r.status, value: (s ? (lower ? s.min : s.max) : undefined) ?? undefined };
      }),
    );
  });
  const best = pickBest(metric, runs);
  const rows = jobs.map((j) => {
    const r = runs.filter((x) => x.index === j.index).sort((a, b) => b.runId - a.runId)[0];
    return { index: j.index, values: j.values, job: j.state, ...(j.error ? { error: j.error } : {}), ...(r ? { runId: r.runId, run: r.status, ...(r.value === undefined ? {} : { value: r.value }) } : {}) };
  });
  const data: SweepStatus = {
    sweepId,
    metric,
    rows,
    ...(best ? { best: { index: best.index, runId: best.runId, value: best.value as number, values: jobs.find((j) => j.index === best.index)?.values ?? {} } } : {}),
    note: `best configuration chosen by ${metric} on the validation split only; test metrics are never consulted`,
  };
  return result(data, { table: (d) => renderStatus(d as SweepStatus) });
}

function renderStatus(s: SweepStatus): string {
  const table = new Table({ head: ['#', 'configuration', 'job', 'run', 'status', s.metric] });
  for (const r of s.rows) table.push([String(r.index), Object.entries(r.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' '), r.job, r.runId === undefined ? '-' : String(r.runId), r.run ?? '-', r.value === undefined ? '-' : r.value.toFixed(4)]);
  const done = s.rows.filter((r) => r.job === 'completed').length;
  const best = s.best ? `best: #${s.best.index} (run ${s.best.runId}, ${s.metric} ${s.best.value.toFixed(4)})` : 'best: none yet (no finished run reports the metric)';
  // the reason lives in the queue, not in the worker's log on some other machine
  const errors = s.rows.filter((r) => r.error).map((r) => `#${r.index} ${r.job}: ${r.error}`);
  return [`sweep ${s.sweepId}: ${done}/${s.rows.length} configuration(s) done`, table.toString(), ...errors, best, `(${s.note})`].join('\n');
}
