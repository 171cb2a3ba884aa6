import { z } from 'zod';

/** Canonical split names: folder names are matched case-insensitively and val/valid/validation fold into `val`. */
export const splitNameSchema = z.string().min(1);

export const problemKindSchema = z.enum([
  'empty-file',
  'truncated',
  'not-an-image',
  'directory-named-like-image',
  'dangling-symlink',
  'too-many-pixels',
  'unreadable',
  'unknown-class',
  'unknown-split',
  'non-utf8-name',
  'stray-file',
  'no-patient-id',
  'csv-row',
  'unsupported-transfer-syntax',
  /** presets: images left out by the label mapping (one summary note per reason, not one per file) */
  'excluded-by-label',
  /** presets: a known limit of the dataset's patient IDs (e.g. RSNA: one image per patientId) */
  'patient-linkage',
]);
export type ProblemKind = z.infer<typeof problemKindSchema>;

export const problemSchema = z.object({
  /** path relative to the dataset root (or the CSV row reference) */
  path: z.string(),
  kind: problemKindSchema,
  /** what is wrong, in words a person can act on */
  message: z.string(),
  /** how to fix it */
  hint: z.string().optional(),
  /** stray files and similar are notes: they never block anything */
  severity: z.enum(['error', 'note']),
});
export type Problem = z.infer<typeof problemSchema>;

export const imageRecordSchema = z.object({
  /** POSIX path relative to the dataset root */
  path: z.string(),
  split: splitNameSchema,
  label: z.string(),
  patient: z.string(),
  size: z.number().int().nonnegative(),
  /** SHA-256 of the file bytes, lowercase hex */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** mtime in ms, used only as a cache key */
  mtimeMs: z.number(),
  /** DICOM: Study / Series Instance UID (keyed-hashed whenever the patient ID is) */
  study: z.string().optional(),
  series: z.string().optional(),
});
export type ImageRecord = z.infer<typeof imageRecordSchema>;

export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  /** absolute path of the dataset root when the manifest was made */
  root: z.string(),
  layout: z.enum(['folders', 'csv']),
  idRule: z.string(),
  /** the dataset preset the listing came from (nih-cxr14, chexpert, …) */
  preset: z.string().optional(),
  /**
   * Set when patient IDs (and DICOM UIDs) were replaced by keyed hashes: the key's public ID (not the key),
   * so a changed fingerprint can be traced to a changed key.
   */
  patientIdKey: z.string().optional(),
  images: z.array(imageRecordSchema),
  problems: z.array(problemSchema),
});
export type Manifest = z.infer<typeof manifestSchema>;
