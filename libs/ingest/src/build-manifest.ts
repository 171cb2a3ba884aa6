import { mapLimited } from '@leakproof/core';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDatasetConfig, resolvedIdRule, type DatasetConfig } from './dataset-config.js';
import { inspectImageFile, type Inspection } from './inspect-file.js';
import { listCsvLayout } from './list-csv.js';
import { listFolderLayout, type Candidate, type Listing } from './list-folders.js';
import type { ImageRecord, Manifest, Problem } from './manifest-schema.js';
import { describeIdRule, noPatientHint, patientId } from './patient-id.js';
import { InspectionCache } from './inspection-cache.js';
import { IngestUserError } from './user-error.js';

export interface BuildManifestOptions {
  onProgress?(done: number, total: number): void;
  /** keeps SHA-256s keyed by path+size+mtime between runs; never inside the dataset */
  cacheDir?: string;
  /** files read at once (I/O bound; the hash itself is cheap) */
  concurrency?: number;
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
export async function buildManifest(root: string, config: Partial<DatasetConfig> = {}, options: BuildManifestOptions = {}): Promise<Manifest> {
  const absRoot = resolve(root);
  const cfg = parseDatasetConfig(config);
  const rule = resolvedIdRule(cfg);
  await checkRoot(absRoot);
  let listing: Listing;
  try {
    listing = cfg.layout === 'csv' ? await listCsvLayout(absRoot, cfg, rule === 'csv') : await listFolderLayout(absRoot, { ...(cfg.classes ? { classes: cfg.classes } : {}), splitAliases: cfg.splitAliases });
  } catch (error) {
    if (error instanceof IngestUserError) throw error;
    throw new IngestUserError(`cannot list ${absRoot}: ${(error as Error).message}`, 'check the folder permissions');
  }

  const cache = options.cacheDir ? await InspectionCache.open(options.cacheDir, absRoot, cfg.maxPixels) : undefined;
  const total = listing.candidates.length;
  let done = 0;
  options.onProgress?.(0, total);
  const inspections = await mapLimited(listing.candidates, options.concurrency ?? 48, async (c): Promise<Inspection> => {
    const inspection = (await cache?.lookup(c.absPath)) ?? (await inspectImageFile(c.absPath, cfg.maxPixels));
    options.onProgress?.(++done, total);
    return inspection;
  });

  const images: ImageRecord[] = [];
  const problems: Problem[] = [...listing.problems];
  listing.candidates.forEach((candidate: Candidate, i) => {
    const inspection = inspections[i] as Inspection;
    if (!inspection.ok) {
      problems.push({ path: candidate.path, kind: inspection.kind, message: inspection.message, ...(inspection.hint ? { hint: inspection.hint } : {}), severity: 'error' });
      return;
    }
    cache?.remember(candidate.absPath, inspection);
    const patient = patientId(candidate.path, rule, candidate.csvPatient);
    if (patient === undefined) {
      problems.push({ path: candidate.path, kind: 'no-patient-id', message: `no patient ID under the '${describeIdRule(rule)}' rule; left out rather than given a made-up ID`, hint: noPatientHint(rule), severity: 'error' });
      return;
    }
    images.push({ path: candidate.path, split: candidate.split, label: candidate.label, patient, size: inspection.size, sha256: inspection.sha256, mtimeMs: inspection.mtimeMs });
  });
  await cache?.save();

  return {
    schemaVersion: 1,
    root: absRoot,
    layout: cfg.layout,
    idRule: describeIdRule(rule),
    images: images.sort(byPath),
    problems: problems.sort(byPath),
  };
}
