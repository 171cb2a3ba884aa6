import { loadExperimentConfig, resumeTrainRun, trainRun } from '@leakproof/experiment';
import { experimentContext } from '../context.js';
import type { CommandHandler } from '../command-table.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { withRegistry } from '../registry-access.js';
import { parseRunId } from '../run-id.js';
import { resolvePolicy } from './audit-support.js';
import { optionalText, parseOptions, stringList } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof train`. */
export const trainOptions = z.object({
  config: optionalText(),
  set: stringList(),
  resume: optionalText(),
});
type TrainOptions = z.output<typeof trainOptions>;

export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const opts = parseOptions(trainOptions, rawOpts);
  const trained = opts.resume !== undefined ? await resume(ctx, opts.resume, opts) : await trainNew(ctx, opts);
  const data = {
    runId: trained.run.id,
    resumed: trained.resumed,
    auditId: trained.auditId,
    runDir: trained.runDir,
    epochs: trained.result.epochsRun,
    bestEpoch: trained.result.bestEpoch,
    interrupted: trained.result.interrupted,
    backend: trained.result.backend,
    history: trained.result.history,
    members: trained.result.members,
  };
  return result(data, {
    table: (d) =>
      [
        `run ${d.runId}${d.resumed ? ' (resumed)' : ''} ${d.interrupted ? 'interrupted (resume with --resume ' + d.runId + ')' : 'finished'}: ${d.epochs} epochs, ${membersText(d.members) ?? `best epoch ${d.bestEpoch + 1}`}`,
        `backend ${d.backend.name}, ${d.backend.threads} thread(s); files in ${d.runDir}`,
        `next: leakproof eval ${d.runId} --split test`,
      ].join('\n'),
  });
};

/** "ensemble of 3 (seed 42: best epoch 14 of 20, …)" for a seed ensemble, undefined for one model. */
function membersText(members: { seed: number; epochsRun: number; bestEpoch: number }[] | undefined): string | undefined {
  if (!members || members.length < 2) return undefined;
  return `ensemble of ${members.length} (${members.map((m) => `seed ${m.seed}: best epoch ${m.bestEpoch + 1} of ${m.epochsRun}`).join(', ')})`;
}

async function trainNew(ctx: Parameters<CommandHandler>[0], opts: TrainOptions) {
  const loaded = await loadExperimentConfig(ctx.cwd, opts.config, opts.set);
  const { policy } = await resolvePolicy(ctx.cwd, undefined);
  // serve: while training owns the embedded store, runs list / show / history and the API answer through it
  return withRegistry(ctx, (registry) => trainRun(experimentContext(ctx), registry, loaded, policy), { serve: true });
}

/** A resumed run keeps the config it was started with: its checkpoint is only valid for that config. */
async function resume(ctx: Parameters<CommandHandler>[0], resumeId: string, opts: TrainOptions) {
  const runId = parseRunId(resumeId, 'run id for --resume');
  if (opts.config !== undefined || opts.set.length) {
    throw new UserError('--resume continues a run with the config it was started with; --config and --set cannot change it', `drop --config/--set: \`leakproof train --resume ${runId}\``);
  }
  return withRegistry(ctx, (registry) => resumeTrainRun(experimentContext(ctx), registry, runId), { serve: true });
}
