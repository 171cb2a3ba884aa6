import type { CommandHandler } from '../command-table.js';
import { evaluateRun } from '../experiment/evaluate-run.js';
import { result } from '../output.js';
import { withRegistry } from '../registry-access.js';
import { parseRunId } from '../run-id.js';

export const run: CommandHandler = async (ctx, args, opts) => {
  const runId = parseRunId(args[0]);
  const split = (opts['split'] as string | undefined) ?? 'test';
  const evaluation = await withRegistry(ctx, (registry) => evaluateRun(ctx, registry, runId, split));
  return result(evaluation, {
    table: (e) => [`run ${e.runId}, split ${e.split}`, e.table, 'plots:', ...Object.values(e.plots).map((p) => `  ${p}`)].join('\n'),
  });
};
