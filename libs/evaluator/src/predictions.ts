import { z } from 'zod';
import { LeakproofError } from '@leakproof/core';

/** One model output for one image. `label` and `prob` refer to the positive class, PNEUMONIA = 1. */
export const predictionSchema = z.object({
  path: z.string().min(1),
  patient: z.string().min(1),
  label: z.union([z.literal(0), z.literal(1)]),
  prob: z.number().min(0).max(1),
});
export type Prediction = z.infer<typeof predictionSchema>;

/** Thrown for malformed input (not for degenerate-but-valid data, which yields NaN/null metrics). */
export class EvaluationInputError extends LeakproofError {
  constructor(message: string) {
    super(message, { code: 'evaluation-input' });
  }
}

/**
 * Validates predictions, naming the first bad row and field. Rejects duplicate paths because a
 * duplicated image silently double-weights itself in every metric and its interval.
 */
export function validatePredictions(predictions: readonly unknown[], what = 'predictions'): Prediction[] {
  if (!Array.isArray(predictions)) throw new EvaluationInputError(`${what} must be an array of { path, patient, label, prob }`);
  const seen = new Set<string>();
  const out: Prediction[] = [];
  predictions.forEach((row, i) => {
    const parsed = predictionSchema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') || '(row)';
      const path = typeof row === 'object' && row !== null && 'path' in row ? ` (${String((row as { path: unknown }).path)})` : '';
      throw new EvaluationInputError(
        `${what}[${i}]${path}: field '${field}' is invalid: ${issue?.message ?? 'bad value'}; ` +
          `expected { path: string, patient: string, label: 0 | 1, prob: number in [0, 1] }`,
      );
    }
    if (seen.has(parsed.data.path)) {
      throw new EvaluationInputError(`${what}[${i}]: path '${parsed.data.path}' appears more than once; give one prediction per image (average test-time augmentations first)`);
    }
    seen.add(parsed.data.path);
    out.push(parsed.data);
  });
  return out;
}

/**
 * Patient-level view: one row per patient, positive if any of its images is, scored by the maximum
 * image probability (so "max prob ≥ threshold" is exactly "any image predicted positive").
 */
export function toPatientLevel(predictions: readonly Prediction[]): Prediction[] {
  const byPatient = new Map<string, Prediction>();
  for (const p of predictions) {
    const prev = byPatient.get(p.patient);
    if (!prev) byPatient.set(p.patient, { path: p.patient, patient: p.patient, label: p.label, prob: p.prob });
    else byPatient.set(p.patient, { ...prev, label: prev.label === 1 || p.label === 1 ? 1 : 0, prob: Math.max(prev.prob, p.prob) });
  }
  return [...byPatient.values()];
}
