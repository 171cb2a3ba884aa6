import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Prediction } from '@leakproof/evaluator';
import type { RegistryApi } from '@leakproof/registry';
import { sha256File } from './run-files.js';

/** The artifact kind of an evaluation's per-image predictions; `runs show` finds them by it. */
export const predictionsArtifactKind = (split: string, evaluationId: number) => `predictions:${split}:evaluation-${evaluationId}`;

export interface EvaluatedSplit {
  split: string;
  predictions: readonly Prediction[];
}

/**
 * Stores the per-image predictions behind one evaluation (the validation rows that chose the threshold and
 * the evaluated split's rows) as `predictions/<split>-evaluation-<id>.csv` in the run directory, so every
 * reported metric can be recomputed from the artifact alone. Columns: path, split, label (1 = positive
 * class), patient, prob (of the positive class), predicted (prob ≥ threshold).
 */
export async function storePredictionsArtifact(
  registry: RegistryApi,
  input: { runId: number; runDir: string; evaluationId: number; split: string; threshold: number; parts: EvaluatedSplit[] },
): Promise<string> {
  const rows = input.parts.flatMap((part) =>
    part.predictions.map((p) => [p.path, part.split, p.label, p.patient, p.prob, p.prob >= input.threshold ? 1 : 0]),
  );
  const text = stringify([['path', 'split', 'label', 'patient', 'prob', 'predicted'], ...rows]);
  const dir = join(input.runDir, 'predictions');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${input.split}-evaluation-${input.evaluationId}.csv`);
  const buffer = Buffer.from(text);
  await writeFile(path, buffer);
  await registry.addArtifact({ runId: input.runId, path, sha256: sha256File(buffer), size: buffer.length, kind: predictionsArtifactKind(input.split, input.evaluationId) });
  return path;
}
