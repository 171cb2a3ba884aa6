import type { ImageRecord } from '@leakproof/ingest';
import type { SplitSummary } from './report-schema.js';

export function summarise(images: readonly ImageRecord[]): {
  splits: SplitSummary[];
  info: { classBalance: Record<string, Record<string, number>>; patientsPerSplit: Record<string, number>; imagesPerPatient: { min: number; median: number; max: number; mean: number } };
} {
  const splits = new Map<string, { images: number; patients: Set<string>; classes: Record<string, number> }>();
  const perPatient = new Map<string, number>();
  for (const r of images) {
    const s = splits.get(r.split) ?? { images: 0, patients: new Set<string>(), classes: {} };
    s.images++;
    if (r.patient) s.patients.add(r.patient);
    s.classes[r.label] = (s.classes[r.label] ?? 0) + 1;
    splits.set(r.split, s);
    if (r.patient) perPatient.set(r.patient, (perPatient.get(r.patient) ?? 0) + 1);
  }
  const order = (name: string): number => ['train', 'val', 'test'].indexOf(name) + 1 || 99;
  const names = [...splits.keys()].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const summaries = names.map((name) => {
    const s = splits.get(name) as { images: number; patients: Set<string>; classes: Record<string, number> };
    return { name, images: s.images, patients: s.patients.size, classes: s.classes };
  });
  const classBalance = Object.fromEntries(
    summaries.map((s) => [s.name, Object.fromEntries(Object.entries(s.classes).map(([c, n]) => [c, Math.round((n / s.images) * 10_000) / 10_000]))]),
  );
  const counts = [...perPatient.values()].sort((a, b) => a - b);
  const imagesPerPatient = counts.length
    ? { min: counts[0] as number, median: counts[Math.floor(counts.length / 2)] as number, max: counts[counts.length - 1] as number, mean: Math.round((counts.reduce((a, b) => a + b, 0) / counts.length) * 100) / 100 }
    : { min: 0, median: 0, max: 0, mean: 0 };
  return { splits: summaries, info: { classBalance, patientsPerSplit: Object.fromEntries(summaries.map((s) => [s.name, s.patients])), imagesPerPatient } };
}
