import { readFile } from 'node:fs/promises';
import { UI_API_PREFIX, type UiPredictions } from '@leakproof/core';
import type { EvaluationRecord, Registry, RunDetail } from '@leakproof/registry';
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { resolveInsideRoot, thumbnail } from './dataset-images.js';
import { notFound, parseId } from './replies.js';
import { predictionsKind } from './serialise.js';

interface PredictionRow {
  path: string;
  split: string;
  label: number;
  patient: string;
  prob: number;
  predicted: number;
}

const parsedCsv = new Map<number, PredictionRow[]>();

/** The evaluation's predictions artifact (written by `leakproof eval`), parsed once per artifact id. */
async function predictionRows(run: RunDetail, evaluation: EvaluationRecord): Promise<PredictionRow[] | undefined> {
  const artifact = run.artifacts.filter((a) => a.kind === predictionsKind(evaluation)).at(-1);
  if (!artifact) return undefined;
  const cached = parsedCsv.get(artifact.id);
  if (cached) return cached;
  let text: string;
  try {
    text = await readFile(artifact.path, 'utf8');
  } catch {
    return undefined;
  }
  const records = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const rows = records.map((r) => ({
    path: r['path'] ?? '',
    split: r['split'] ?? '',
    label: Number(r['label']),
    patient: r['patient'] ?? '',
    prob: Number(r['prob']),
    predicted: Number(r['predicted']),
  }));
  parsedCsv.set(artifact.id, rows);
  return rows;
}

async function findEvaluation(registry: Registry, rawId: string): Promise<{ run: RunDetail; evaluation: EvaluationRecord } | undefined> {
  const id = parseId(rawId);
  if (id === undefined) return undefined;
  const found = (await registry.db.execute(sqlRunOfEvaluation(id))) as unknown as { rows: { run_id: number }[] };
  const runId = found.rows[0]?.run_id;
  const run = runId === undefined ? undefined : await registry.getRun(Number(runId));
  const evaluation = run?.evaluations.find((e) => e.id === id);
  return run && evaluation ? { run, evaluation } : undefined;
}

const sqlRunOfEvaluation = (id: number) => sql`select run_id from evaluations where id = ${id}`;

const outcome = (label: number, predicted: number) => (label === 1 ? (predicted === 1 ? 'tp' : 'fn') : predicted === 1 ? 'fp' : 'tn');

async function sendImage(reply: FastifyReply, root: string, relativePath: string): Promise<Buffer | undefined> {
  const file = await resolveInsideRoot(root, relativePath);
  const jpeg = file ? await thumbnail(file) : undefined;
  if (!jpeg) return notFound(reply, 'no such image');
  return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=3600').send(jpeg) as unknown as Buffer;
}

export function registerEvaluationRoutes(app: FastifyInstance, registry: Registry): void {
  app.get<{ Params: { id: string } }>(`${UI_API_PREFIX}/evaluations/:id/predictions`, async (request, reply): Promise<UiPredictions | undefined> => {
    const found = await findEvaluation(registry, request.params.id);
    const rows = found ? await predictionRows(found.run, found.evaluation) : undefined;
    if (!found || !rows) return notFound(reply, `no predictions recorded for evaluation ${request.params.id}`);
    const { evaluation } = found;
    return {
      evaluationId: evaluation.id,
      split: evaluation.split,
      threshold: evaluation.threshold,
      rows: rows.map((r, row) => ({ row, ...r, outcome: outcome(r.label, r.predicted), imageUrl: `${UI_API_PREFIX}/evaluations/${evaluation.id}/predictions/${row}/image` })),
    };
  });

  // the image of one prediction row: the path comes from the registry's artifact, inside the run's audited root
  app.get<{ Params: { id: string; row: string } }>(`${UI_API_PREFIX}/evaluations/:id/predictions/:row/image`, async (request, reply) => {
    const found = await findEvaluation(registry, request.params.id);
    const rows = found ? await predictionRows(found.run, found.evaluation) : undefined;
    const index = /^(0|[1-9][0-9]{0,8})$/.test(request.params.row) ? Number(request.params.row) : -1;
    const row = rows?.[index];
    if (!found || !row) return notFound(reply, 'no such image');
    return sendImage(reply, found.run.audit.datasetRoot, row.path);
  });

  // plots written by the evaluator (SVG, no scripts; served under a CSP that forbids any anyway)
  app.get<{ Params: { id: string } }>(`${UI_API_PREFIX}/artifacts/:id`, async (request, reply) => {
    const id = parseId(request.params.id);
    const found = id === undefined ? undefined : ((await registry.db.execute(sql`select run_id, path, kind from artifacts where id = ${id}`)) as unknown as { rows: { run_id: number; path: string; kind: string }[] }).rows[0];
    if (!found || !found.kind.startsWith('plot:') || !found.path.endsWith('.svg')) return notFound(reply, `no plot ${request.params.id}`);
    try {
      const svg = await readFile(found.path);
      return reply
        .header('content-type', 'image/svg+xml')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .header('cache-control', 'private, max-age=3600')
        .send(svg);
    } catch {
      return notFound(reply, `plot ${request.params.id} is no longer on disk`);
    }
  });
}

export { sendImage };
