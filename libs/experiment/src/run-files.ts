import { createHash } from 'node:crypto';
import { readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ImageRecord } from '@leakproof/ingest';
import type { RegistryApi } from '@leakproof/registry';
import { z } from 'zod';
import { UsageError } from '@leakproof/core';
import { experimentConfigSchema, type ExperimentConfig } from './experiment-config.js';

/** Run directories live next to the embedded registry so one folder holds a project's whole history. */
export const runDir = (cwd: string, runId: number) => join(cwd, '.leakproof', 'runs', String(runId));

const runFileSchema = z.object({
  schemaVersion: z.literal(1),
  runId: z.number().int(),
  /** the registry's creation time of the run: tells this run from a same-numbered run of another store */
  runCreatedAt: z.string().optional(),
  experiment: experimentConfigSchema,
  /** the planned splits the run was bound to, exactly as audited */
  images: z.array(z.object({ path: z.string(), split: z.string(), label: z.string(), patient: z.string(), size: z.number(), sha256: z.string(), mtimeMs: z.number() })),
  auditId: z.number().int(),
  fingerprint: z.string(),
  /**
   * the trainer config as resolved when the run started (defaults filled in): a resumed run trains with it, so a
   * later change of a default cannot change a run half-way. Absent in run files written before it existed.
   */
  trainConfig: z.record(z.string(), z.unknown()).optional(),
});
export type RunFile = z.infer<typeof runFileSchema>;

export async function writeRunFile(dir: string, file: RunFile): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'run.json');
  await writeFile(path, JSON.stringify(file));
  return path;
}

export async function readRunFile(dir: string, runId: number): Promise<RunFile> {
  const path = join(dir, 'run.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`run ${runId} has no run directory at ${dir}`, 'evaluate from the folder the run was trained in (its .leakproof/runs/<id>)');
  }
  const parsed = runFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UsageError(`${path} is not a valid run file: ${parsed.error.issues[0]?.message}`, 'retrain the run');
  return parsed.data;
}

export function sha256File(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}

/** Records every file under `dir` (model, plots, checkpoints excluded) as an artifact of the run. */
export async function recordArtifacts(registry: RegistryApi, runId: number, dir: string, kind: string): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) paths.push(p);
    }
  };
  await walk(dir);
  for (const p of paths) {
    const [buffer, info] = await Promise.all([readFile(p), stat(p)]);
    await registry.addArtifact({ runId, path: p, sha256: sha256File(buffer), size: info.size, kind: `${kind}:${relative(dir, p)}` });
  }
  return paths;
}

export type { ExperimentConfig, ImageRecord };
