import type { PlotClasses, Prediction } from '@leakproof/evaluator';

/**
 * The class names the plots print, read off the scored images: the positive class is configurable, and the
 * negative side is every other label ('not X' when there are several), so a fixed PNEUMONIA/NORMAL would mislabel.
 */
export function plotClassesOf(images: readonly { path: string; label: string }[], predictions: readonly Prediction[]): PlotClasses | undefined {
  const labelOf = new Map(images.map((i) => [i.path, i.label]));
  const labels = (y: 0 | 1) => [...new Set(predictions.filter((p) => p.label === y).flatMap((p) => labelOf.get(p.path) ?? []))].sort();
  const [positive, ...more] = labels(1);
  if (positive === undefined || more.length > 0) return undefined;
  const negatives = labels(0);
  return { positive, negative: negatives.length === 1 ? (negatives[0] as string) : `not ${positive}` };
}
