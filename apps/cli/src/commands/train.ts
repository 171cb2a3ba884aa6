import type { CommandHandler } from '../command-table.js';
import { loadExperimentConfig } from '../experiment/experiment-config.js';
import { trainRun } from '../experiment/run-training.js';
import { result } from '../output.js';
import { withRegistry } from '../registry-access.js';
import { resolvePolicy } from './audit-support.js';

export const run: CommandHandler = async (ctx, _args, opts) => {
  const loaded = await loadExperimentConfig(ctx.cwd, opts['config'] as string | undefined, (opts['set'] as string[] | undefined) ?? []);
  const { policy } = await resolvePolicy(ctx.cwd, undefined);
  // serve: while training owns the embedded store, runs list / show / history and the API answer through it
  const trained = await withRegistry(ctx, (registry) => trainRun(ctx, registry, loaded, policy), { serve: true });
  const data = {
    runId: trained.run.id,
    auditId: trained.auditId,
    runDir: trained.runDir,
    epochs: trained.result.epochsRun,
    bestEpoch: trained.result.bestEpoch,
    interrupted: trained.result.interrupted,
    backend: trained.result.backend,
    history: trained.result.history,
  };
  return result(data, {
    table: (d) =>
      [
        `run ${d.runId} ${d.interrupted ? 'interrupted (resume with --resume ' + d.runId + ')' : 'finished'}: ${d.epochs} epochs, best epoch ${d.bestEpoch + 1}`,
        `backend ${d.backend.name}, ${d.backend.threads} thread(s); files in ${d.runDir}`,
        `next: leakproof eval ${d.runId} --split test`,
      ].join('\n'),
  });
};
