import { z } from 'zod';
import { problemKindSchema } from '@leakproof/ingest';

export const leakKinds = [
  'byte-copy',
  'lossless-reencode',
  'resize',
  'jpeg-requality',
  'brightness-contrast',
  'crop',
  'patient-overlap',
  'label-conflict',
] as const;
export const leakKindSchema = z.enum(leakKinds);
export type LeakKind = z.infer<typeof leakKindSchema>;

export const plantedLeakSchema = z.object({
  kind: leakKindSchema,
  /** the original (always in the source split), POSIX path relative to the dataset root */
  pathA: z.string(),
  /** the planted copy / derivative / ID-sharing image */
  pathB: z.string(),
  /** what was done, e.g. "resize 128→96" */
  detail: z.string(),
});
export type PlantedLeak = z.infer<typeof plantedLeakSchema>;

export const expectedImageSchema = z.object({
  path: z.string(),
  split: z.string(),
  label: z.string(),
  /** patient ID under the default `kermany` rule */
  patient: z.string(),
  /** patient ID under `kermany-strict` */
  strictPatient: z.string(),
  /** 'leak' when this file is a planted leak's pathB */
  origin: z.enum(['original', 'leak']),
});
export type ExpectedImage = z.infer<typeof expectedImageSchema>;

export const badInputSchema = z.object({
  /** path relative to the root, as ingest reports it (non-UTF-8 bytes decoded lossily to U+FFFD) */
  path: z.string(),
  expected: problemKindSchema,
  note: z.string(),
});
export type BadInput = z.infer<typeof badInputSchema>;

export const groundTruthSchema = z.object({
  schemaVersion: z.literal(1),
  seed: z.number(),
  root: z.string(),
  size: z.number(),
  splits: z.array(z.string()),
  classes: z.array(z.string()),
  /** every image that must appear in the manifest (good files only) */
  images: z.array(expectedImageSchema),
  leaks: z.array(plantedLeakSchema),
  badInputs: z.array(badInputSchema),
  /**
   * Patients that share a person number across the bacteria/virus series in different splits: not a leak
   * under `kermany` (independent numbering), an overlap under `kermany-strict`.
   */
  seriesCollisions: z.array(z.object({ pathA: z.string(), pathB: z.string() })),
  /** bad inputs that could not be planted here, with why (e.g. chmod 000 is readable for root) */
  skipped: z.array(z.object({ expected: problemKindSchema, reason: z.string() })),
});
export type GroundTruth = z.infer<typeof groundTruthSchema>;
