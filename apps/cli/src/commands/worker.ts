import { codeVersion, queueSettingsFromEnv, runWorker, testHooksFromEnv } from '@leakproof/queue';
import type { CommandHandler } from '../command-table.js';
import { log } from '../context.js';
import { withInterrupt } from '../interrupt.js';
import { result } from '../output.js';
import { commaList, parseOptions, positiveIntOption } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof worker`, as commander passes them. */
export const workerOptions = z.object({
  /** absent: the worker's per-queue defaults (laneDefaults) */
  concurrency: positiveIntOption(0).transform((n) => (n === 0 ? undefined : n)),
  queues: commaList('audit,train'),
});

/** `leakproof worker`: takes audit and training jobs from the PostgreSQL queue until SIGTERM/Ctrl-C. */
export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const opts = parseOptions(workerOptions, rawOpts);
  const concurrency = opts.concurrency;
  const queues = opts.queues;
  const stats = await withInterrupt((signal, onStop) => {
    onStop((sig) => log(ctx, `${sig}: finishing running jobs (or releasing them), then stopping`));
    return runWorker({
      databaseUrl: ctx.env['DATABASE_URL'],
      version: codeVersion(ctx.env),
      settings: queueSettingsFromEnv(ctx.env),
      ...(concurrency === undefined ? {} : { concurrency }),
      queues,
      log: (line) => log(ctx, line),
      signal,
      hooks: testHooksFromEnv(ctx.env),
      handlers: { train: async (data, context) => (await import('../sweep-job-handler.js')).runSweepJob(ctx, data, context) },
    });
  });
  log(ctx, `worker stopped: ${stats.jobsDone} job(s) done, ${stats.jobsFailed} failed`);
  return result(stats, { table: (s) => `jobs done: ${(s as typeof stats).jobsDone}, failed: ${(s as typeof stats).jobsFailed}` });
};
