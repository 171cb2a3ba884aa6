import type { AuditReport } from '@leakproof/audit';
import { codeVersion, distributedAudit, queueSettingsFromEnv, requirePostgres } from '@leakproof/queue';
import { log, type CliContext } from '../context.js';
import { withInterrupt } from '../interrupt.js';
import { auditedManifest, type AuditRunOptions } from './audit-support.js';

/**
 * `leakproof audit ROOT --distributed`: this process lists the dataset and coordinates; `leakproof worker`
 * processes (any machine that sees ROOT at the same path) hash and verify. Ctrl-C cancels its jobs.
 */
export async function auditDistributed(ctx: CliContext, options: AuditRunOptions & { shardSize: number }): Promise<AuditReport> {
  const databaseUrl = requirePostgres(ctx.env['DATABASE_URL']);
  const { shardSize } = options;
  // the same manifest as a single-machine audit (config, preset, keyed patient IDs), so the reports are identical
  const manifest = await auditedManifest(ctx, options);
  const bar = progressLine(ctx);
  return withInterrupt((signal, onStop) => {
    onStop(() => log(ctx, '\ninterrupted: cancelling this audit\'s jobs (run the command again to resume)'));
    return distributedAudit(manifest, {
      databaseUrl,
      version: codeVersion(ctx.env),
      settings: queueSettingsFromEnv(ctx.env),
      policy: options.policy,
      shardSize,
      ...(options.name ? { name: options.name } : {}),
      signal,
      log: (line) => log(ctx, line),
      onProgress: (p) => bar(`audit (distributed): ${p.phase} ${p.done}/${p.total} · jobs ${p.jobs.done}/${p.jobs.total}${p.jobs.failed ? `, ${p.jobs.failed} failed` : ''}`, p.done === p.total),
    });
  });
}

/** One progress line over all workers: redrawn in place on a terminal, a line every 5 s (and at the end) in logs. */
function progressLine(ctx: CliContext): (text: string, final: boolean) => void {
  let last = 0;
  let lastText = '';
  return (text, final) => {
    const now = Date.now();
    if (text === lastText) return;
    if (ctx.interactive) {
      ctx.stderr.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    } else if (final || now - last > 5_000) {
      ctx.stderr.write(text + '\n');
      last = now;
    }
    lastText = text;
  };
}
