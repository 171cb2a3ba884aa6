import { lstat, readFile } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { DatasetConfig } from './dataset-config.js';
import type { Candidate, Listing } from './list-folders.js';
import { canonicalSplit } from './split-names.js';
import { IngestUserError } from './user-error.js';

/** Reads a CSV manifest (path, label, split, patient columns; names configurable) into candidates. */
export async function listCsvLayout(root: string, config: DatasetConfig, needPatientColumn: boolean): Promise<Listing> {
  const csv = config.csv;
  if (!csv) throw new IngestUserError('layout "csv" needs csv: { file, columns } in the dataset config');
  const csvPath = isAbsolute(csv.file) ? csv.file : join(root, csv.file);
  let text: string;
  try {
    text = await readFile(csvPath, 'utf8');
  } catch (error) {
    throw new IngestUserError(`cannot read the dataset CSV ${csvPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'set csv.file in the dataset config to an existing file (relative to the dataset root)');
  }
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    // info: the line each record ends on, so problems name the right line whatever blank lines or quoted newlines precede it
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true, info: true }) as typeof rows;
  } catch (error) {
    throw new IngestUserError(`the dataset CSV ${csvPath} cannot be parsed: ${(error as Error).message}`, 'fix the CSV syntax');
  }
  const { columns } = csv;
  const header = rows.length ? Object.keys((rows[0] as (typeof rows)[number]).record) : [];
  const required = [columns.path, columns.label, columns.split, ...(needPatientColumn ? [columns.patient] : [])];
  const missing = required.filter((c) => rows.length && !header.includes(c));
  if (missing.length) {
    throw new IngestUserError(`the dataset CSV ${csvPath} has no column ${missing.map((m) => `'${m}'`).join(', ')} (columns: ${header.join(', ')})`, 'name the columns in the config: csv.columns { path, label, split, patient }');
  }
  const out: Listing = { candidates: [], problems: [] };
  const allowed = config.classes ? new Set(config.classes) : undefined;
  const seen = new Set<string>();
  const csvName = relative(root, csvPath).split(sep).join('/');
  await Promise.all(
    rows.map(async ({ record: row, info }) => {
      const where = `${csvName}:${info.lines}`;
      const rowProblem = (message: string, hint?: string): void => {
        out.problems.push({ path: where, kind: 'csv-row', message, ...(hint ? { hint } : {}), severity: 'error' });
      };
      const rawPath = row[columns.path]?.replaceAll('\\', '/');
      const label = row[columns.label];
      const splitValue = row[columns.split];
      if (!rawPath || !label || !splitValue) return rowProblem(`empty ${!rawPath ? columns.path : !label ? columns.label : columns.split}`);
      const path = posix.normalize(rawPath).replace(/^\.\//, '');
      if (path.startsWith('../') || posix.isAbsolute(path)) return rowProblem(`path '${rawPath}' points outside the dataset root`, 'paths must be relative to the dataset root');
      const split = canonicalSplit(splitValue, config.splitAliases);
      if (!split) return rowProblem(`split '${splitValue}' is not train/test/val`, `map it with "splitAliases": { "${splitValue}": "test" }`);
      // only a repeat of the same split and label is harmless: one file in two splits (or with two labels) is the leak the audit must see
      const entry = `${path}\n${split}\n${label}`;
      if (seen.has(entry)) return rowProblem(`'${path}' is listed more than once with split '${split}' and label '${label}'; later rows ignored`);
      seen.add(entry);
      if (allowed && !allowed.has(label)) {
        out.problems.push({ path, kind: 'unknown-class', message: `label '${label}' (${where}) is not one of the configured classes`, severity: 'error' });
        return;
      }
      const absPath = resolve(root, path);
      try {
        const st = await lstat(absPath);
        if (st.isDirectory()) {
          out.problems.push({ path, kind: 'directory-named-like-image', message: `a directory, listed at ${where}`, severity: 'error' });
          return;
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return rowProblem(`'${path}' does not exist`);
      }
      const candidate: Candidate = { absPath, path, split, label };
      const patient = row[columns.patient];
      if (patient !== undefined) candidate.csvPatient = patient;
      out.candidates.push(candidate);
    }),
  );
  return out;
}
