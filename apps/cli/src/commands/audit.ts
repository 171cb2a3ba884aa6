import { auditRecordInput } from '@leakproof/experiment/light';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AuditReport, Policy } from '@leakproof/audit';
import { lockPassingAudit } from '@leakproof/experiment/gate';
import type { CommandHandler } from '../command-table.js';
import { log, type CliContext } from '../context.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { withRegistry } from '../registry-access.js';
import { auditDataset, auditRenderers, resolvePolicy } from './audit-support.js';
import { flagOption, formatOption, negatableFlag, optionalText, parseOptions, positiveIntOption } from '../options.js';
import { z } from 'zod';

export const auditOptions = z.object({
  config: optionalText(),
  preset: optionalText(),
  policy: optionalText(),
  cache: negatableFlag(),
  record: negatableFlag(),
  updateLock: flagOption(),
  distributed: flagOption(),
  shardSize: positiveIntOption(500),
  format: formatOption,
});

export const run: CommandHandler = async (ctx, args, rawOpts) => {
  const opts = parseOptions(auditOptions, rawOpts);
  const dataset = args[0];
  if (!dataset) throw new UserError('missing <dataset>', 'leakproof audit data/sample/chest_xray');
  const root = resolve(ctx.cwd, dataset);
  const { policy, source } = await resolvePolicy(ctx.cwd, opts.policy);
  log(ctx, `policy: ${source}`);
  const runOptions = { root, config: opts.config, preset: opts.preset, policy, cache: opts.cache };
  const report = opts.distributed
    ? await (await import('./audit-distributed.js')).auditDistributed(ctx, { ...runOptions, shardSize: opts.shardSize })
    : await auditDataset(ctx, runOptions);

  if (opts.record) await recordInRegistry(ctx, report, policy);
  if (opts.updateLock) await updateLock(ctx, root, report);

  return result<unknown>(report, await auditRenderers(report, opts.format), report.verdict === 'fail' ? 1 : 0);
};

/**
 * Stores the audit so runs can bind to its fingerprint. A registry that cannot be opened (locked by another
 * process, unreachable DATABASE_URL) does not change the verdict: it is reported on stderr.
 */
async function recordInRegistry(ctx: CliContext, report: AuditReport, policy: Policy): Promise<void> {
  if (report.splits.length === 0) return;
  try {
    const id = await withRegistry(ctx, async (registry) => {
      const record = await registry.recordAudit(auditRecordInput(report, policy));
      return record.id;
    });
    log(ctx, `recorded audit #${id} (fingerprint ${report.fingerprint.slice(0, 12)}) in the registry`);
  } catch (error) {
    log(ctx, `warning: the audit was not recorded in the registry: ${(error as Error).message}`);
  }
}

/** `--update-lock`: store this passing audit's fingerprint for the gate config's dataset at this path. */
async function updateLock(ctx: CliContext, root: string, report: AuditReport): Promise<void> {
  const configPath = resolve(ctx.cwd, 'leakproof.config.json');
  if (!existsSync(configPath)) throw new UserError('--update-lock needs leakproof.config.json in the current folder', 'run it from the repository root, or use `leakproof gate --update`');
  const lock = await lockPassingAudit(configPath, root, report);
  if (!lock.updated) log(ctx, `lock not updated: the audit of ${lock.name} fails`);
  else log(ctx, `${lock.lockPath}: ${lock.name} → ${report.fingerprint.slice(0, 16)}`);
}
