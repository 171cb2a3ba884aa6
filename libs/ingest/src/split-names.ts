/** Folder names (lower-cased) that fold into the canonical split names. */
export const defaultSplitAliases: Readonly<Record<string, string>> = {
  train: 'train',
  training: 'train',
  test: 'test',
  testing: 'test',
  val: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
};

/**
 * The canonical split for a folder name: matched case-insensitively, `val`/`valid`/`validation` are one
 * split; user aliases (e.g. `{ "holdout": "test" }`) extend or override the defaults. Undefined when the
 * folder is not a split.
 */
export function canonicalSplit(folderName: string, aliases: Readonly<Record<string, string>> = {}): string | undefined {
  const key = folderName.trim().toLowerCase();
  for (const [alias, split] of Object.entries(aliases)) if (alias.toLowerCase() === key) return split;
  return defaultSplitAliases[key];
}
