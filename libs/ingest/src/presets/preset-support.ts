import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { Candidate, Listing } from '../list-folders.js';
import type { Problem } from '../manifest-schema.js';
import { IngestUserError } from '../user-error.js';
import type { PresetConfig } from './preset-config.js';

export type Row = Record<string, string>;

/** The first of `names` that exists under root (each also tried with `.gz`), parsed with a header row. */
export async function readTable(root: string, names: readonly string[], what: string): Promise<{ name: string; rows: Row[] }> {
  for (const name of names.flatMap((n) => [n, `${n}.gz`])) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(root, name));
    } catch {
      continue;
    }
    const text = (name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    try {
      return { name, rows: parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as Row[] };
    } catch (error) {
      throw new IngestUserError(`${join(root, name)} cannot be parsed as CSV: ${(error as Error).message}`, 'restore the file from the dataset download');
    }
  }
  throw new IngestUserError(`no ${what} in ${root} (looked for ${names.join(', ')})`, 'point at the folder of the unpacked dataset, the one holding its label files');
}

export function requireColumns(table: { name: string; rows: Row[] }, columns: readonly string[]): void {
  const header = table.rows.length ? Object.keys(table.rows[0] as Row) : [];
  const missing = columns.filter((c) => table.rows.length && !header.includes(c));
  if (missing.length) throw new IngestUserError(`${table.name} has no column ${missing.map((m) => `'${m}'`).join(', ')}`, 'this preset expects the file as distributed; check the dataset version');
}

export async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Every file below the folders at the root whose names match `dirPattern`, by base name → relative path. */
export async function indexFiles(root: string, dirPattern: RegExp): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(root, rel), { withFileTypes: true }).catch(() => []);
    await Promise.all(entries.map(async (e) => (e.isDirectory() ? walk(posix.join(rel, e.name)) : e.isFile() ? void out.set(e.name, posix.join(rel, e.name)) : undefined)));
  };
  const top = await readdir(root, { withFileTypes: true });
  await Promise.all(top.filter((e) => e.isDirectory() && dirPattern.test(e.name)).map((e) => walk(e.name)));
  return out;
}

export type Finding = true | false | 'uncertain';

/** Multi-label → the project's binary classes, or why the image is left out. Documented in the README. */
export function binaryLabel(positive: Finding, noFinding: boolean, preset: PresetConfig): string | 'excluded-other' | 'excluded-uncertain' {
  if (positive === true) return preset.positiveClass;
  if (positive === 'uncertain') {
    if (preset.uncertain === 'exclude') return 'excluded-uncertain';
    return preset.uncertain === 'positive' ? preset.positiveClass : preset.negativeClass;
  }
  if (preset.negative === 'rest' || noFinding) return preset.negativeClass;
  return 'excluded-other';
}

/** Collects candidates and the row-level problems, summarising what would otherwise be thousands of entries. */
export class PresetListing {
  readonly candidates: Candidate[] = [];
  readonly problems: Problem[] = [];
  private readonly excluded = { 'excluded-other': 0, 'excluded-uncertain': 0 };
  private missing = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly preset: PresetConfig,
    private readonly labelFile: string,
    private readonly positiveName: string,
  ) {}

  add(candidate: Omit<Candidate, 'label'>, label: ReturnType<typeof binaryLabel>): void {
    if (label === 'excluded-other' || label === 'excluded-uncertain') {
      this.excluded[label]++;
      return;
    }
    // an exact repeat is dropped; the same file in another split or with another label stays, for the audit to report
    const entry = `${candidate.path}\n${candidate.split}\n${label}`;
    if (this.seen.has(entry)) return;
    this.seen.add(entry);
    this.candidates.push({ ...candidate, label });
  }

  missingFile(where: string, path: string): void {
    // a partial download would otherwise list every absent image
    if (++this.missing <= 20) this.problems.push({ path: where, kind: 'csv-row', message: `'${path}' is listed but does not exist`, hint: 'download/unpack the missing part, or ignore if you use a subset', severity: 'error' });
  }

  rowProblem(where: string, message: string): void {
    this.problems.push({ path: where, kind: 'csv-row', message, severity: 'error' });
  }

  finish(): Listing {
    if (this.missing > 20) this.problems.push({ path: this.labelFile, kind: 'csv-row', message: `${this.missing - 20} more listed images do not exist (20 shown)`, hint: 'download/unpack the missing parts', severity: 'error' });
    const { 'excluded-other': other, 'excluded-uncertain': uncertain } = this.excluded;
    const name = this.preset.name;
    if (other) {
      this.problems.push({
        path: this.labelFile,
        kind: 'excluded-by-label',
        message: `${other} image(s) have other findings and neither '${this.positiveName}' nor no-finding: left out under negative "no-finding"`,
        hint: `to keep them as ${this.preset.negativeClass}, set "preset": { "name": "${name}", "negative": "rest" }`,
        severity: 'note',
      });
    }
    if (uncertain) {
      this.problems.push({
        path: this.labelFile,
        kind: 'excluded-by-label',
        message: `${uncertain} image(s) have an uncertain (-1) '${this.positiveName}' label: left out under uncertain "exclude"`,
        hint: `set "preset": { "name": "${name}", "uncertain": "positive" } (U-Ones) or "negative" (U-Zeros) to keep them`,
        severity: 'note',
      });
    }
    return { candidates: this.candidates, problems: this.problems };
  }
}

/** CheXpert/MIMIC cell: 1.0 positive, -1.0 uncertain, 0.0 or blank negative. */
export function chexpertCell(value: string | undefined): Finding {
  const v = Number(value === undefined || value === '' ? 0 : value);
  return v === 1 ? true : v === -1 ? 'uncertain' : false;
}
