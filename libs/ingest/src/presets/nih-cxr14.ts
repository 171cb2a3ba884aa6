import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Listing } from '../list-folders.js';
import { IngestUserError } from '../user-error.js';
import type { PresetConfig } from './preset-config.js';
import { binaryLabel, indexFiles, PresetListing, readTable, requireColumns } from './preset-support.js';

async function nameList(root: string, file: string): Promise<Set<string>> {
  try {
    return new Set((await readFile(join(root, file), 'utf8')).split(/\r?\n/).map((l) => l.trim()).filter(Boolean));
  } catch {
    throw new IngestUserError(`NIH ChestX-ray14: ${file} is missing in ${root}`, 'it ships with the dataset (the official patient-wise split); put it next to Data_Entry_2017.csv');
  }
}

/**
 * NIH ChestX-ray14: `Data_Entry_2017.csv` (Image Index, Finding Labels `A|B` or `No Finding`, Patient ID),
 * PNGs under `images/` or `images_001/images/` … `images_012/images/`, and the official split lists
 * `train_val_list.txt` (→ train) / `test_list.txt` (→ test).
 */
export async function listNihCxr14(root: string, preset: PresetConfig): Promise<Listing> {
  const table = await readTable(root, ['Data_Entry_2017.csv', 'Data_Entry_2017_v2020.csv'], 'Data_Entry_2017.csv');
  requireColumns(table, ['Image Index', 'Finding Labels', 'Patient ID']);
  const [trainVal, test, files] = await Promise.all([nameList(root, 'train_val_list.txt'), nameList(root, 'test_list.txt'), indexFiles(root, /^images/i)]);
  const positive = preset.positive ?? 'Pneumonia';
  const out = new PresetListing(preset, table.name, positive);
  table.rows.forEach((row, i) => {
    const where = `${table.name}:${i + 2}`;
    const image = row['Image Index'] ?? '';
    const findings = (row['Finding Labels'] ?? '').split('|').map((f) => f.trim());
    // an image on both lists is listed once per split, so the audit reports it as the leak it is
    const splits = [...(trainVal.has(image) ? ['train'] : []), ...(test.has(image) ? ['test'] : [])];
    if (!splits.length) return out.rowProblem(where, `'${image}' is in neither train_val_list.txt nor test_list.txt`);
    const path = files.get(image);
    if (!path) return out.missingFile(where, image);
    const label = binaryLabel(findings.includes(positive), findings.includes('No Finding'), preset);
    for (const split of splits) out.add({ absPath: join(root, path), path, split, csvPatient: row['Patient ID'] ?? '' }, label);
  });
  return out.finish();
}
