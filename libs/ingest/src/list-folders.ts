import { readdir, stat } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import type { Problem } from './manifest-schema.js';
import { extensionOf, imageExtensions, mayBeImageName } from './sniff.js';
import { canonicalSplit } from './split-names.js';
import { IngestUserError } from './user-error.js';

/** A file that should be an image, before it is read. */
export interface Candidate {
  absPath: string;
  /** POSIX, relative to the dataset root */
  path: string;
  split: string;
  label: string;
  /** the patient column, for the csv rule */
  csvPatient?: string;
  /** presets: the study the image belongs to, when the set says */
  study?: string;
  /** no extension: read because it may be DICOM; a non-image is then only a note */
  extensionless?: boolean;
}

export interface Listing {
  candidates: Candidate[];
  problems: Problem[];
}

type Entry = Dirent<Buffer>;

const note = (path: string, message: string): Problem => ({ path, kind: 'stray-file', message, severity: 'note' });

/** Decodes a name, or reports it: a non-UTF-8 name cannot be written into a JSON manifest faithfully. */
function nameOf(entry: Entry, parentRel: string, problems: Problem[]): string | undefined {
  const name = entry.name.toString('utf8');
  if (Buffer.from(name, 'utf8').equals(entry.name)) return name;
  const path = parentRel ? `${parentRel}/${name}` : name;
  problems.push({
    path,
    kind: 'non-utf8-name',
    message: `the ${entry.isDirectory() ? 'folder' : 'file'} name is not valid UTF-8 (bytes ${entry.name.toString('hex')})${entry.isDirectory() ? '; its contents were skipped' : ''}`,
    hint: 'rename it to a UTF-8 name (e.g. `convmv -f latin1 -t utf8`)',
    severity: 'error',
  });
  return undefined;
}

async function readDir(abs: string, rel: string, problems: Problem[]): Promise<Entry[]> {
  try {
    return await readdir(abs, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    problems.push({ path: rel, kind: 'unreadable', message: `cannot list the folder: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, hint: 'make it readable (chmod a+rx)', severity: 'error' });
    return [];
  }
}

type Kind = 'file' | 'dir' | 'dangling' | 'other';

async function kindOf(entry: Entry, abs: string): Promise<Kind> {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (entry.isSymbolicLink()) {
    try {
      const target = await stat(abs);
      return target.isFile() ? 'file' : target.isDirectory() ? 'dir' : 'other';
    } catch {
      return 'dangling';
    }
  }
  return 'other';
}

/** Walks a class folder (recursively: CheXpert-style patient folders may sit below it). */
async function walkClass(abs: string, rel: string, split: string, label: string, out: Listing): Promise<void> {
  const entries = await readDir(abs, rel, out.problems);
  await Promise.all(
    entries.map(async (entry) => {
      const name = nameOf(entry, rel, out.problems);
      if (name === undefined) return;
      const childAbs = join(abs, name);
      const childRel = `${rel}/${name}`;
      const looksLikeImage = mayBeImageName(name);
      const kind = await kindOf(entry, childAbs);
      if (kind === 'dangling') {
        out.problems.push({ path: childRel, kind: 'dangling-symlink', message: 'a symbolic link whose target does not exist', hint: 'fix or remove the link', severity: 'error' });
      } else if (kind === 'dir') {
        if (imageExtensions.has(extensionOf(name))) {
          out.problems.push({ path: childRel, kind: 'directory-named-like-image', message: 'a directory named like an image; skipped', hint: 'rename or remove it', severity: 'error' });
        } else if (!entry.isSymbolicLink()) {
          await walkClass(childAbs, childRel, split, label, out);
        } else {
          out.problems.push(note(childRel, 'a symbolic link to a folder; not followed'));
        }
      } else if (kind === 'file' && looksLikeImage) {
        out.candidates.push({ absPath: childAbs, path: childRel, split, label, ...(extensionOf(name) === '' ? { extensionless: true } : {}) });
      } else {
        out.problems.push(note(childRel, kind === 'file' ? 'not an image file name; ignored' : 'not a regular file; ignored'));
      }
    }),
  );
}

/**
 * Lists `ROOT/<split>/<CLASS>/<file>`. Split folders are matched case-insensitively with aliases; classes
 * are the configured set or, by default, the class folders present in every split (a folder found in
 * only some splits is reported as an unknown class rather than silently becoming a label).
 */
export async function listFolderLayout(root: string, options: { classes?: readonly string[]; splitAliases: Record<string, string> }): Promise<Listing> {
  const out: Listing = { candidates: [], problems: [] };
  const rootEntries = await readdir(root, { withFileTypes: true, encoding: 'buffer' });
  const splitDirs: { split: string; rel: string }[] = [];
  for (const entry of rootEntries) {
    const name = nameOf(entry, '', out.problems);
    if (name === undefined) continue;
    const kind = await kindOf(entry, join(root, name));
    if (kind !== 'dir') {
      if (kind === 'dangling') out.problems.push({ path: name, kind: 'dangling-symlink', message: 'a symbolic link whose target does not exist', severity: 'error' });
      else out.problems.push(note(name, 'a file at the dataset root, outside any split folder; ignored'));
      continue;
    }
    const split = canonicalSplit(name, options.splitAliases);
    if (split) splitDirs.push({ split, rel: name });
    else out.problems.push({ path: name, kind: 'unknown-split', message: `folder '${name}' is not a split (train/test/val); skipped`, hint: `if it is a split, map it in the config: "splitAliases": { "${name}": "test" }`, severity: 'error' });
  }
  if (splitDirs.length === 0) {
    const names = rootEntries.map((e) => e.name.toString('utf8'));
    const looksLikeOneSplit = names.some((n) => /^(normal|pneumonia)$/i.test(n));
    throw new IngestUserError(
      `no split folders (train/, test/, val/) in ${root}`,
      looksLikeOneSplit ? 'point at the folder that holds train/ and test/, not at a split itself' : 'use the Kaggle layout ROOT/<split>/<CLASS>/<image>, map folder names with splitAliases, or use layout "csv"',
    );
  }

  const classDirs: { split: string; rel: string; label: string }[] = [];
  const classesPerSplit = new Map<string, Set<string>>();
  for (const { split, rel } of splitDirs) {
    const seen = classesPerSplit.get(split) ?? new Set<string>();
    classesPerSplit.set(split, seen);
    for (const entry of await readDir(join(root, rel), rel, out.problems)) {
      const name = nameOf(entry, rel, out.problems);
      if (name === undefined) continue;
      const kind = await kindOf(entry, join(root, rel, name));
      if (kind === 'dir') {
        seen.add(name);
        classDirs.push({ split, rel: `${rel}/${name}`, label: name });
      } else if (kind === 'dangling') {
        out.problems.push({ path: `${rel}/${name}`, kind: 'dangling-symlink', message: 'a symbolic link whose target does not exist', severity: 'error' });
      } else {
        out.problems.push(note(`${rel}/${name}`, 'a file directly in a split folder, outside any class folder; ignored'));
      }
    }
  }
  const everySplit = [...classesPerSplit.values()];
  const allowed = new Set(options.classes ?? [...(everySplit[0] ?? [])].filter((c) => everySplit.every((s) => s.has(c))));
  for (const dir of classDirs) {
    if (!allowed.has(dir.label)) {
      const reason = options.classes ? `not one of the configured classes (${[...allowed].join(', ')})` : `present in only some splits (the classes found in every split are ${[...allowed].join(', ') || 'none'})`;
      out.problems.push({ path: dir.rel, kind: 'unknown-class', message: `class folder '${dir.label}' is ${reason}; its files were skipped`, hint: `if '${dir.label}' is a class, list it in the config: "classes": [...]`, severity: 'error' });
    }
  }
  await Promise.all(classDirs.filter((d) => allowed.has(d.label)).map((d) => walkClass(join(root, d.rel), d.rel, d.split, d.label, out)));
  return out;
}
