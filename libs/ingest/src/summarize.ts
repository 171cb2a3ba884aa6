import type { ImageRecord, Manifest, ProblemKind } from './manifest-schema.js';
import { kermanySeries } from './patient-id.js';

export interface ManifestSummary {
  images: number;
  splits: string[];
  classes: string[];
  /** images per split × class */
  counts: Record<string, Record<string, number>>;
  classTotals: Record<string, number>;
  patients: {
    total: number;
    perSplit: Record<string, number>;
    /** Kermany rules only: distinct patients per series (IM, NORMAL2-IM, bacteria, virus, …) per split, and in total */
    perSeries?: Record<string, Record<string, number> & { total: number }>;
    /** patient IDs found in more than one split (a leak by ID; the auditor explains it) */
    inSeveralSplits: number;
  };
  imagesPerPatient: { max: number; median: number; maxPatient: string | null };
  problems: { total: number; errors: number; notes: number; byKind: Partial<Record<ProblemKind, number>> };
}

const splitOrder = ['train', 'val', 'test'];
function sortSplits(splits: Iterable<string>): string[] {
  return [...splits].sort((a, b) => {
    const ia = splitOrder.indexOf(a);
    const ib = splitOrder.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function patientsPerSplit(images: readonly ImageRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const img of images) {
    const set = out.get(img.split) ?? new Set<string>();
    set.add(img.patient);
    out.set(img.split, set);
  }
  return out;
}

/** Counts behind `leakproof manifest` and the main job's dataset section. Pure. */
export function summarizeManifest(manifest: Manifest): ManifestSummary {
  const { images } = manifest;
  const splits = sortSplits(new Set(images.map((i) => i.split)));
  const classes = [...new Set(images.map((i) => i.label))].sort();
  const counts: Record<string, Record<string, number>> = {};
  const classTotals: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const s of splits) counts[s] = Object.fromEntries(classes.map((c) => [c, 0]));
  const perPatient = new Map<string, number>();
  for (const img of images) {
    (counts[img.split] as Record<string, number>)[img.label] = ((counts[img.split] as Record<string, number>)[img.label] ?? 0) + 1;
    classTotals[img.label] = (classTotals[img.label] ?? 0) + 1;
    perPatient.set(img.patient, (perPatient.get(img.patient) ?? 0) + 1);
  }
  const bySplit = patientsPerSplit(images);
  const splitsOfPatient = new Map<string, number>();
  for (const set of bySplit.values()) for (const p of set) splitsOfPatient.set(p, (splitsOfPatient.get(p) ?? 0) + 1);

  let perSeries: ManifestSummary['patients']['perSeries'];
  if (manifest.idRule.startsWith('kermany')) {
    perSeries = {};
    const totals = new Map<string, Set<string>>();
    for (const [split, set] of bySplit) {
      for (const p of set) {
        const series = kermanySeries(p) ?? 'other';
        const row = (perSeries[series] ??= { total: 0 });
        row[split] = (row[split] ?? 0) + 1;
        const all = totals.get(series) ?? new Set<string>();
        all.add(p);
        totals.set(series, all);
      }
    }
    for (const [series, set] of totals) (perSeries[series] as { total: number }).total = set.size;
  }

  let maxPatient: string | null = null;
  let max = 0;
  for (const [p, n] of perPatient) if (n > max || (n === max && maxPatient !== null && p < maxPatient)) [max, maxPatient] = [n, p];

  const byKind: Partial<Record<ProblemKind, number>> = {};
  for (const p of manifest.problems) byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
  const notes = manifest.problems.filter((p) => p.severity === 'note').length;

  return {
    images: images.length,
    splits,
    classes,
    counts,
    classTotals,
    patients: {
      total: perPatient.size,
      perSplit: Object.fromEntries(splits.map((s) => [s, bySplit.get(s)?.size ?? 0])),
      ...(perSeries ? { perSeries } : {}),
      inSeveralSplits: [...splitsOfPatient.values()].filter((n) => n > 1).length,
    },
    imagesPerPatient: { max, median: median([...perPatient.values()]), maxPatient },
    problems: { total: manifest.problems.length, errors: manifest.problems.length - notes, notes, byKind },
  };
}
