import { stringify } from 'csv-stringify/sync';
import { join } from 'node:path';
import { auditManifest, buildThumbnails, renderAuditHtml, renderAuditMarkdown, renderAuditTable, type AuditReport, type Policy } from '@leakproof/audit';
import { buildManifest, type Manifest } from '@leakproof/ingest';
import { datasetConfigFrom, patientKeyFor } from './dataset-input.js';
import { log, type CliContext } from '../context.js';
import type { CommandResult } from '../output.js';

export { resolvePolicy } from '@leakproof/experiment/gate';

export interface AuditRunOptions {
  root: string;
  config?: string;
  /** --preset: a public set's layout (overrides the config file's preset) */
  preset?: string;
  policy: Policy;
  name?: string;
  cache: boolean;
}

/** Manifest + audit with progress on stderr (a line per phase, so CI logs stay short). */
/** The dataset as the audit sees it: config or preset, keyed patient IDs, hash cache unless --no-cache. */
export async function auditedManifest(ctx: CliContext, options: AuditRunOptions): Promise<Manifest> {
  const cacheDir = join(ctx.cwd, '.leakproof', 'cache');
  const config = await datasetConfigFrom(ctx, options.config, options.preset);
  return buildManifest(options.root, config, { patientIdKey: patientKeyFor(ctx), ...(options.cache ? { cacheDir } : {}) });
}

export async function auditDataset(ctx: CliContext, options: AuditRunOptions): Promise<AuditReport> {
  const cacheDir = join(ctx.cwd, '.leakproof', 'cache');
  const manifest = await auditedManifest(ctx, options);
  let lastTick = 0;
  return auditManifest(manifest, {
    policy: options.policy,
    cacheDir: options.cache ? cacheDir : null,
    ...(options.name ? { name: options.name } : {}),
    onProgress: ({ phase, done, total }) => {
      const now = Date.now();
      if (done === total || (ctx.interactive && now - lastTick > 1000)) {
        lastTick = now;
        log(ctx, `audit${options.name ? ` ${options.name}` : ''}: ${phase} ${done}/${total}`);
      }
    },
  });
}

/** Table, Markdown and (when asked for) HTML with inline thumbnails of every flagged pair. */
export async function auditRenderers(report: AuditReport, format: unknown): Promise<CommandResult['render']> {
  const thumbnails = format === 'html' ? await buildThumbnails(report) : {};
  return {
    table: (r) => renderAuditTable(r as AuditReport),
    md: (r) => renderAuditMarkdown(r as AuditReport),
    html: (r) => renderAuditHtml(r as AuditReport, { thumbnails }),
    csv: (r) => renderFindingsCsv(r as AuditReport),
  };
}

/** One row per finding, for spreadsheets (the patient column carries whatever the manifest carries: a keyed hash for PHI sources). */
export function renderFindingsCsv(report: AuditReport): string {
  const columns = ['kind', 'severity', 'splitA', 'splitB', 'pathA', 'pathB', 'patient', 'score', 'distance', 'labelA', 'labelB', 'detail', 'allowedBecause'] as const;
  // file, folder and patient names are the dataset's: one starting with = + - @ would run as a formula in a spreadsheet
  return stringify(report.findings.map((f) => columns.map((c) => f[c] ?? '')), { header: true, columns: [...columns], escape_formulas: true });
}

