import { mapLimited } from '@leakproof/core';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDatasetConfig, resolvedIdRule, type DatasetConfig, type DatasetConfigInput } from './dataset-config.js';
import { inspectImageFile, type Inspection } from './inspect-file.js';
import { listCsvLayout } from './list-csv.js';
import { listFolderLayout, type Candidate, type Listing } from './list-folders.js';
import type { ImageRecord, Manifest, Problem } from './manifest-schema.js';
import { describeIdRule, noPatientHint, patientId, type IdRule } from './patient-id.js';
import { InspectionCache } from './inspection-cache.js';
import { IngestUserError } from './user-error.js';
import { readDicomIdentifiers } from './inspect-file.js';
import { pseudonym, type PatientIdKey } from './patient-key.js';
import { listPreset } from './presets/index.js';
import type { DicomIdentifiers } from './dicom-header.js';

export interface BuildManifestOptions {
  onProgress?(done: number, total: number): void;
  /** keeps SHA-256s keyed by path+size+mtime between runs; never inside the dataset */
  cacheDir?: string;
  /** files read at once (I/O bound; the hash itself is cheap) */
  concurrency?: number;
  /**
   * The project's patient-ID key (or a function resolving it, called only when some ID must be hashed:
   * the CLI passes `() => resolvePatientIdKey(cwd)`). Without one, a dataset whose IDs must be hashed is refused.
   */
  patientIdKey?: PatientIdKey | (() => Promise<PatientIdKey>);
}

const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

async function checkRoot(root: string): Promise<void> {
  try {
    const st = await stat(root);
    if (!st.isDirectory()) throw new IngestUserError(`dataset path ${root} is a file, not a folder`, 'pass the dataset folder (the one holding train/ and test/)');
  } catch (error) {
    if (error instanceof IngestUserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new IngestUserError(`dataset folder ${root} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`, 'check the path; the default sample lives in data/sample/chest_xray');
  }
}

/**
 * Dataset on disk → manifest: lists the layout, hashes every image file (parallel reads), derives split,
 * label and patient, and records every bad file as a problem instead of an image. Reads only; never
 * writes into the dataset. Throws (user-facing) only for an unusable root or config.
 */
export async function buildManifest(root: string, config: DatasetConfigInput = {}, options: BuildManifestOptions = {}): Promise<Manifest> {
  const absRoot = resolve(root);
  const cfg = parseDatasetConfig(config);
  const rule = resolvedIdRule(cfg);
  await checkRoot(absRoot);
  let listing: Listing;
  try {
    if (cfg.preset) listing = await listPreset(absRoot, cfg.preset);
    else if (cfg.layout === 'csv') listing = await listCsvLayout(absRoot, cfg, rule === 'csv');
    else listing = await listFolderLayout(absRoot, { ...(cfg.classes ? { classes: cfg.classes } : {}), splitAliases: cfg.splitAliases });
  } catch (error) {
    if (error instanceof IngestUserError) throw error;
    throw new IngestUserError(`cannot list ${absRoot}: ${(error as Error).message}`, 'check the folder permissions');
  }

  const cache = options.cacheDir ? await InspectionCache.open(options.cacheDir, absRoot, cfg.maxPixels) : undefined;
  const total = listing.candidates.length;
  let done = 0;
  options.onProgress?.(0, total);
  const inspectCandidate = async (c: Candidate): Promise<Inspection> => {
    const cached = await cache?.lookup(c.absPath);
    if (!cached) return inspectImageFile(c.absPath, cfg.maxPixels);
    // identifiers are never cached (PHI): a cached DICOM's are re-read from its header
    if (cached.ok && cache?.isDicom(c.absPath)) return { ...cached, dicom: (await readDicomIdentifiers(c.absPath)) ?? {} };
    return cached;
  };
  const inspections = await mapLimited(listing.candidates, options.concurrency ?? 48, async (c): Promise<Inspection> => {
    const inspection = await inspectCandidate(c);
    options.onProgress?.(++done, total);
    return inspection;
  });
  // A failure seen next to other reads may come from libvips' one per-process error buffer (another file's
  // message, or a spurious error): each is inspected once more, alone, and only a second failure counts.
  for (let i = 0; i < inspections.length; i++) {
    if (!(inspections[i] as Inspection).ok) inspections[i] = await inspectImageFile((listing.candidates[i] as Candidate).absPath, cfg.maxPixels);
  }

  const resolved: { candidate: Candidate; inspection: Inspection & { ok: true }; patient: RawId; dicom: DicomIdentifiers | undefined }[] = [];
  const problems: Problem[] = [...listing.problems];
  listing.candidates.forEach((candidate: Candidate, i) => {
    const inspection = inspections[i] as Inspection;
    if (!inspection.ok) {
      if (candidate.extensionless && inspection.kind === 'not-an-image') {
        problems.push({ path: candidate.path, kind: 'stray-file', message: 'no extension and not a DICOM file; ignored', severity: 'note' });
        return;
      }
      problems.push({ path: candidate.path, kind: inspection.kind, message: inspection.message, ...(inspection.hint ? { hint: inspection.hint } : {}), severity: 'error' });
      return;
    }
    cache?.remember(candidate.absPath, inspection);
    const patient = rawPatient(candidate, inspection.dicom, cfg, rule);
    if (patient === undefined) {
      const used = inspection.dicom && cfg.idRule === undefined && !cfg.preset ? 'dicom' : rule;
      problems.push({ path: candidate.path, kind: 'no-patient-id', message: `no patient ID under the '${describeIdRule(used)}' rule; left out rather than given a made-up ID`, hint: noPatientHint(used), severity: 'error' });
      return;
    }
    resolved.push({ candidate, inspection, patient, dicom: inspection.dicom });
  });
  const hashTags = cfg.patientIds ? cfg.patientIds === 'keyed-hash' : !cfg.preset;
  const needKey = resolved.some((r) => mustHash(r.patient.source, cfg) || (hashTags && (r.dicom?.studyUid || r.dicom?.seriesUid)));
  const key = needKey ? await patientKey(options.patientIdKey) : undefined;
  const images: ImageRecord[] = resolved.map(({ candidate, inspection, patient, dicom }) => {
    const study = dicom?.studyUid ?? candidate.study;
    const series = dicom?.seriesUid;
    const tagKey = hashTags && dicom ? key : undefined;
    return {
      path: candidate.path,
      split: candidate.split,
      label: candidate.label,
      patient: mustHash(patient.source, cfg) && key ? pseudonym(key, 'patient', patient.value) : patient.value,
      size: inspection.size,
      sha256: inspection.sha256,
      mtimeMs: inspection.mtimeMs,
      ...(study ? { study: tagKey ? pseudonym(tagKey, 'study', study) : study } : {}),
      ...(series ? { series: tagKey ? pseudonym(tagKey, 'series', series) : series } : {}),
    };
  });
  const fromTags = resolved.filter((r) => r.patient.source === 'dicom').length;
  await cache?.save();

  return {
    schemaVersion: 1,
    root: absRoot,
    layout: cfg.layout,
    idRule: cfg.preset ? `preset:${cfg.preset.name}` : fromTags === 0 ? describeIdRule(rule) : fromTags === resolved.length ? 'dicom' : `${describeIdRule(rule)}+dicom`,
    ...(cfg.preset ? { preset: cfg.preset.name } : {}),
    ...(key ? { patientIdKey: key.id } : {}),
    images: images.sort(byPath),
    problems: problems.sort(byPath),
  };
}

type IdSource = 'dicom' | 'csv' | 'path';
interface RawId {
  value: string;
  source: IdSource;
}

/**
 * Where a file's patient comes from: an explicit idRule wins; without one, a DICOM file's PatientID tag;
 * presets give their ID column. Raw values (possibly PHI) live only until pseudonymised below.
 */
function rawPatient(candidate: Candidate, dicom: DicomIdentifiers | undefined, cfg: DatasetConfig, rule: IdRule): RawId | undefined {
  if (rule === 'dicom' || (cfg.idRule === undefined && !cfg.preset && dicom)) {
    return dicom?.patientId ? { value: dicom.patientId, source: 'dicom' } : undefined;
  }
  const value = patientId(candidate.path, rule, candidate.csvPatient);
  if (value === undefined) return undefined;
  return { value, source: rule === 'csv' ? 'csv' : 'path' };
}

/** README "PHI": IDs read from DICOM tags or a CSV column are hashed unless declared pseudonymous; presets' and path-derived IDs are kept. */
function mustHash(source: IdSource, cfg: DatasetConfig): boolean {
  if (cfg.patientIds) return cfg.patientIds === 'keyed-hash';
  if (cfg.preset) return false;
  return source !== 'path';
}

async function patientKey(option: BuildManifestOptions['patientIdKey']): Promise<PatientIdKey> {
  if (!option) {
    throw new IngestUserError(
      'this dataset\'s patient IDs come from DICOM tags or a CSV column and must be replaced by keyed hashes, but no patient-ID key was given',
      'the CLI uses .leakproof/patient-id.key or $LEAKPROOF_PATIENT_ID_KEY; if the IDs are already pseudonyms, set "patientIds": "pseudonymous" in the dataset config',
    );
  }
  return typeof option === 'function' ? option() : option;
}
