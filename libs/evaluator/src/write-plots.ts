import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EvaluationInputError } from './predictions.js';

/**
 * Writes each plot to `<dir>/<name>.svg` (creating dir) and returns name → absolute path.
 * The only filesystem access in this package; names are restricted so a key can never escape `dir`.
 */
export async function writePlots(dir: string, plots: Record<string, string>): Promise<Record<string, string>> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const paths: Record<string, string> = {};
  for (const [name, svg] of Object.entries(plots)) {
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name) || name.includes('..')) {
      throw new EvaluationInputError(`plot name '${name}' is not a safe file name; use letters, digits, '-', '_' or '.'`);
    }
    const path = join(root, `${name}.svg`);
    await writeFile(path, svg);
    paths[name] = path;
  }
  return paths;
}
