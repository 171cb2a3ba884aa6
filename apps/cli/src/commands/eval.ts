import { evaluateRun } from '@leakproof/experiment';
import { experimentContext } from '../context.js';
import { resolve } from 'node:path';
import type { CommandHandler } from '../command-table.js';
import { result } from '../output.js';
import { withRegistry } from '../registry-access.js';
import { UserError } from '../errors.js';
import { parseRunId } from '../run-id.js';
import { optionalText, parseOptions, textOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof eval`, as commander passes them. */
export const evalOptions = z.object({
  split: textOption('test'),
  predictions: optionalText(),
  valPredictions: optionalText(),
});

export const run: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(evalOptions, rawOpts);
  const runId = parseRunId(args[0]);
  const split = opts.split;
  const predictions = opts.predictions;
  const valPredictions = opts.valPredictions;
  if (valPredictions && !predictions) throw new UserError('--val-predictions needs --predictions', `pass the predictions for split '${split}' with --predictions`);
  const external = predictions ? { predictions: resolve(ctx.cwd, predictions), ...(valPredictions ? { valPredictions: resolve(ctx.cwd, valPredictions) } : {}) } : undefined;
  const evaluation = await withRegistry(ctx, (registry) => evaluateRun(experimentContext(ctx), registry, runId, split, external));
  return result(evaluation, {
    table: (e) =>
      [
        `run ${e.runId}, split ${e.split}${e.source === 'built-in' ? '' : ` (external predictions ${e.source.predictions})`}`,
        e.table,
        `per-image predictions: ${e.predictionsFile}`,
        'plots:',
        ...Object.values(e.plots).map((p) => `  ${p}`),
      ].join('\n'),
  });
};
