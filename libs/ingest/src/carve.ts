import type { ImageRecord } from './manifest-schema.js';
import { IngestUserError } from './user-error.js';
import { mulberry32, shuffleInPlace } from '@leakproof/core';

export interface CarveOptions {
  /** share of fromSplit's patients to move (per label stratum when stratified) */
  fraction: number;
  seed: number;
  /** keep the label mix: patients are drawn per label (default true) */
  stratify?: boolean;
  newSplit: string;
  fromSplit: string;
}


const negativeLabel = /^(normal|negative|healthy|no[ _-]?finding|0)$/i;

/**
 * A patient's label for stratification: the majority label of its images; on a tie a positive
 * (non-normal) label wins, so a patient with any doubt is counted with the rarer, clinically relevant side.
 */
export function patientLabel(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || Number(negativeLabel.test(a[0])) - Number(negativeLabel.test(b[0])) || a[0].localeCompare(b[0]))[0]?.[0] ?? '';
}

/**
 * Moves whole patients from `fromSplit` to `newSplit` (to carve validation or a held-out part):
 * patient-level so no patient straddles the two, stratified by patient label, and deterministic for a
 * seed whatever the input order. Returns new records; the input is not modified.
 */
export function carveByPatient(images: readonly ImageRecord[], options: CarveOptions): ImageRecord[] {
  const { fraction, seed, newSplit, fromSplit } = options;
  if (!(fraction > 0 && fraction < 1)) throw new IngestUserError(`carve fraction must be between 0 and 1 (exclusive), got ${fraction}`);
  if (newSplit === fromSplit) throw new IngestUserError(`cannot carve split '${fromSplit}' into itself`);
  const labelsOf = new Map<string, string[]>();
  for (const img of images) if (img.split === fromSplit) labelsOf.set(img.patient, [...(labelsOf.get(img.patient) ?? []), img.label]);
  if (labelsOf.size < 2) throw new IngestUserError(`split '${fromSplit}' has ${labelsOf.size} patient(s); need at least 2 to carve '${newSplit}' from it`);

  const strata = new Map<string, string[]>();
  for (const [patient, labels] of labelsOf) {
    const key = options.stratify === false ? '' : patientLabel(labels);
    strata.set(key, [...(strata.get(key) ?? []), patient]);
  }
  const random = mulberry32(seed);
  const moved = new Set<string>();
  for (const key of [...strata.keys()].sort()) {
    const patients = shuffleInPlace((strata.get(key) as string[]).sort(), random);
    const take = Math.min(patients.length - 1, Math.max(1, Math.round(patients.length * fraction)));
    for (const p of patients.slice(0, patients.length > 1 ? take : 0)) moved.add(p);
  }
  return images.map((img) => (img.split === fromSplit && moved.has(img.patient) ? { ...img, split: newSplit } : { ...img }));
}
