import { leavesOf, parseFilter, parseOrderBy } from '@leakproof/registry';
import type { CommandHandler } from '../command-table.js';
import { result } from '../output.js';
import { UserError } from '../errors.js';
import { interruptible, withRegistry } from '../registry-access.js';
import { runsCsv, runsMarkdown, runsTable } from './runs-list.js';
import { flagOption, optionalText, parseOptions, positiveIntOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof runs query`, as commander passes them. */
export const runsQueryOptions = z.object({
  orderBy: optionalText(),
  limit: positiveIntOption(100),
  all: flagOption(),
});

export const run: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(runsQueryOptions, rawOpts);
  const filter = args[0];
  if (filter === undefined) throw new UserError('runs query needs a filter', `e.g. leakproof runs query "metrics.recall >= 0.95 and params.model = 'resnet'"`);
  const orderBy = opts.orderBy;
  const limit = opts.limit;
  // parse first so a bad filter fails before the registry opens, and to know which metrics to show
  const shown = new Set(leavesOf(parseFilter(filter)).flatMap((leaf) => (leaf.field.scope === 'metrics' ? [leaf.field.path.join('.')] : [])));
  for (const term of parseOrderBy(orderBy ?? '')) if (term.field.scope === 'metrics') shown.add(term.field.path[0] as string);
  const metrics = [...shown];
  const runs = await withRegistry(ctx, (registry) =>
    interruptible((signal) => registry.queryRuns(filter, { orderBy, limit, includeArchived: opts.all, signal })),
  );
  return result(runs, { table: (d) => runsTable(d, metrics), md: (d) => runsMarkdown(d, metrics), csv: runsCsv });
};
