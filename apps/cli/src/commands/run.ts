import { loadExperimentConfig, runExternal } from '@leakproof/experiment';
import { resolve } from 'node:path';
import type { CommandHandler } from '../command-table.js';
import { experimentContext, log } from '../context.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { trackingEndpoint, withRegistry } from '../registry-access.js';
import { resolvePolicy } from './audit-support.js';
import { optionalText, parseOptions, stringList } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof run`, as commander passes them. */
export const runOptions = z.object({
  config: optionalText(),
  dataset: optionalText(),
  set: stringList(),
});

/**
 * `leakproof run [--config exp.json] -- <command> [args]`. The command's own stdout and stderr pass through
 * unchanged (and are recorded); what leakproof says goes to stderr, so stdout stays the command's.
 */
export const run: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(runOptions, rawOpts);
  if (args.length === 0) throw new UserError('no command to run', 'put it after --, e.g. leakproof run --config exp.json -- python3 train.py');
  const configPath = opts.config;
  const dataset = opts.dataset;
  const overrides = opts.set;
  if (!configPath && !dataset) throw new UserError('which dataset does the command train on?', 'pass --config exp.json (with dataset.root) or --dataset path/to/chest_xray');
  const datasetOverride = dataset ? [`dataset.root=${JSON.stringify(resolve(ctx.cwd, dataset))}`] : [];
  const loaded = await loadExperimentConfig(ctx.cwd, configPath, [...datasetOverride, ...overrides], { experiment: 'external' });
  const { policy } = await resolvePolicy(ctx.cwd, undefined);
  // serve: while the command runs, other commands (runs list, runs show) read the embedded store through this process
  const outcome = await withRegistry(ctx, (registry) => runExternal(experimentContext(ctx), registry, { loaded, policy, argv: args, tracking: (r) => trackingEndpoint(ctx, r) }), { serve: true });
  const how = outcome.exitCode !== null ? `exit code ${outcome.exitCode}` : `signal ${outcome.signal ?? '?'}`;
  log(ctx, `leakproof: run ${outcome.runId} ${outcome.status} (${how}) after ${outcome.seconds} s; files in ${outcome.runDir}`);
  if (outcome.predictions) {
    log(ctx, `next: leakproof eval ${outcome.runId} --predictions ${outcome.predictions.test} --val-predictions ${outcome.predictions.val}`);
  }
  return result(outcome, {}, outcome.status === 'finished' ? 0 : 1);
};
