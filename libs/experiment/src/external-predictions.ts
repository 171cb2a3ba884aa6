import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Prediction } from '@leakproof/evaluator';
import type { ImageRecord } from '@leakproof/ingest';
import { parseDecimal, ProblemError, UsageError } from '@leakproof/core';

export interface ExpectedSplit {
  /** absolute dataset root; paths in the file are relative to it (as in the manifest) or absolute inside it */
  root: string;
  /** the root with its symbolic links resolved, where it differs: trainers often write resolved paths (Path.resolve()) */
  realRoot?: string;
  /** every image of the audited planned splits, so a path of another split gets a precise message */
  images: readonly ImageRecord[];
  split: string;
  positiveClass: string;
}

export interface ExternalPredictions {
  predictions: Prediction[];
  /** header columns other than path and prob: read past, never trusted (labels come from the manifest) */
  ignoredColumns: string[];
}

const missingShown = 5;

/**
 * An external model's predictions for one split: a CSV with columns `path` and `prob` (probability of the
 * positive class). Labels and patients are taken from the audited manifest, never from the file, and the
 * file must name every image of the split exactly once and nothing else, so a metric cannot be computed on
 * a convenient subset or on images the audit never saw.
 */
export async function readExternalPredictions(file: string, expected: ExpectedSplit): Promise<ExternalPredictions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read predictions file ${file}: ${(error as Error).message}`, 'pass an existing CSV file with columns path, prob');
  }
  const realRoot = await realpath(expected.root).catch(() => expected.root);
  return parsePredictionsCsv(file, text, { ...expected, realRoot });
}

export function parsePredictionsCsv(file: string, text: string, expected: ExpectedSplit): ExternalPredictions {
  function refuse(line: number | null, message: string, hint: string): never {
    throw new ProblemError(`${file}${line === null ? '' : `:${line}`}: ${message}`, hint);
  }
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? null;
    return refuse(line, `not a valid CSV file: ${(error as Error).message}`, 'write plain CSV with a header row `path,prob` and one row per image');
  }
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const pathCol = header.indexOf('path');
  const probCol = header.indexOf('prob');
  if (pathCol < 0 || probCol < 0) {
    refuse(1, `the header must name the columns 'path' and 'prob' (found: ${header.join(', ') || 'nothing'})`, 'start the file with the line `path,prob`');
  }
  const byPath = new Map(expected.images.map((i) => [i.path, i]));
  const seenAt = new Map<string, number>();
  const predictions: Prediction[] = [];
  // csv-parse skips empty lines, so report line numbers from the raw text, not from record indexes
  const lineNumbers = recordLineNumbers(text);
  rows.slice(1).forEach((row, i) => {
    const line = lineNumbers[i + 1] ?? i + 2;
    const rawPath = (row[pathCol] ?? '').trim();
    const rawProb = (row[probCol] ?? '').trim();
    if (!rawPath) refuse(line, 'empty path', 'give each row the image path relative to the dataset root, as in the manifest');
    const path = toManifestPath(rawPath, expected.root) ?? (expected.realRoot ? toManifestPath(rawPath, expected.realRoot) : null);
    if (path === null) refuse(line, `${rawPath} is outside the dataset root ${expected.root}`, 'use paths relative to the dataset root, or absolute paths inside it');
    const image = byPath.get(path);
    if (!image) refuse(line, `${rawPath} is not an image of the audited dataset`, `list only images of split '${expected.split}' (the run's splits.csv names them)`);
    if (image.split !== expected.split) {
      refuse(line, `${rawPath} is an image of split '${image.split}', not '${expected.split}'`, `this file must hold predictions for split '${expected.split}' only`);
    }
    const first = seenAt.get(image.path);
    if (first !== undefined) refuse(line, `${rawPath} appears twice (first on line ${first})`, 'give one prediction per image (average test-time augmentations first)');
    seenAt.set(image.path, line);
    const prob = parseDecimal(rawProb) ?? Number.NaN;
    if (!Number.isFinite(prob) || prob < 0 || prob > 1) {
      refuse(line, `prob '${rawProb}' of ${rawPath} is not a number in [0, 1]`, 'write the probability of the positive class, e.g. 0.93 (apply a sigmoid/softmax to logits)');
    }
    predictions.push({ path: image.path, patient: image.patient, label: image.label === expected.positiveClass ? 1 : 0, prob });
  });
  const missing = expected.images.filter((i) => i.split === expected.split && !seenAt.has(i.path));
  if (missing.length > 0) {
    const shown = missing.slice(0, missingShown).map((i) => i.path).join(', ');
    refuse(
      null,
      `misses ${missing.length} of the ${missing.length + seenAt.size} images of split '${expected.split}' (${shown}${missing.length > missingShown ? ', …' : ''})`,
      `predict every image of split '${expected.split}' listed in the run's splits.csv`,
    );
  }
  return { predictions, ignoredColumns: header.filter((_, i) => i !== pathCol && i !== probCol) };
}

/** The manifest's POSIX path relative to the root, or null when the path leaves the root. */
function toManifestPath(raw: string, root: string): string | null {
  const abs = isAbsolute(raw) ? raw : resolve(root, raw);
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/** 1-based line on which each non-empty CSV record starts (quoted fields may span lines). */
function recordLineNumbers(text: string): number[] {
  const starts: number[] = [];
  let line = 1;
  let inQuotes = false;
  let recordStarted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes;
    if (!inQuotes && (c === '\n' || c === '\r')) {
      if (c === '\r' && text[i + 1] === '\n') i++;
      line++;
      recordStarted = false;
      continue;
    }
    if (!recordStarted && c !== '\uFEFF') {
      starts.push(line);
      recordStarted = true;
    }
  }
  return starts;
}
