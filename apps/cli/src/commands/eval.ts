import type { CommandHandler } from '../command-table.js';
import { UserError } from '../errors.js';
import { evaluateRun } from '../experiment/evaluate-run.js';
import { result } from '../output.js';
import { withRegistry } from '../registry-access.js';

export const run: CommandHandler = async (ctx, args, opts) => {
  const runId = Number(args[0]);
  if (!Number.isInteger(runId) || runId <= 0) throw new UserError(`'${args[0]}' is not a run id`, 'pass the number shown by `leakproof runs list`');
  const split = (opts['split'] as string | undefined) ?? 'test';
  const evaluation = await withRegistry(ctx, (registry) => evaluateRun(ctx, registry, runId, split));
  return result(evaluation, {
    table: (e) => [`run ${e.runId}, split ${e.split}`, e.table, 'plots:', ...Object.values(e.plots).map((p) => `  ${p}`)].join('\n'),
  });
};
