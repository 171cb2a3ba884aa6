import { join, posix } from 'node:path';
import type { Listing } from '../list-folders.js';
import type { PresetConfig } from './preset-config.js';
import { binaryLabel, chexpertCell, exists, PresetListing, readTable, requireColumns } from './preset-support.js';

/**
 * CheXpert (v1.0 and -small): `train.csv` (→ train), `valid.csv` (→ val), `test.csv` if present (→ test),
 * each with `Path` (`CheXpert-v1.0-small/train/patient00001/study1/view1_frontal.jpg`) and one column per
 * finding (1.0 / 0.0 / -1.0 uncertain / blank). The patient is the `patientNNNNN` folder.
 */
export async function listChexpert(root: string, preset: PresetConfig): Promise<Listing> {
  const positive = preset.positive ?? 'Pneumonia';
  const listings: Listing[] = [];
  for (const [file, split] of [['train.csv', 'train'], ['valid.csv', 'val'], ['test.csv', 'test']] as const) {
    let table;
    try {
      table = await readTable(root, [file], file);
    } catch (error) {
      if (file === 'train.csv') throw error;
      continue;
    }
    requireColumns(table, ['Path', 'No Finding', positive]);
    const out = new PresetListing(preset, table.name, positive);
    // the Path column starts with the archive's folder name; the root is that folder
    const first = table.rows[0]?.['Path'] ?? '';
    const strip = first && !(await exists(join(root, first)));
    for (const [i, row] of table.rows.entries()) {
      const where = `${table.name}:${i + 2}`;
      const raw = (row['Path'] ?? '').replaceAll('\\', '/');
      const path = strip ? raw.split('/').slice(1).join('/') : raw;
      const patient = /(?:^|\/)(patient\d+)\//.exec(path)?.[1];
      const study = /(?:^|\/)(patient\d+\/study\d+)\//.exec(path)?.[1];
      if (!patient) {
        out.rowProblem(where, `Path '${raw}' has no patientNNNNN folder`);
        continue;
      }
      out.add({ absPath: join(root, path), path: posix.normalize(path), split, csvPatient: patient, ...(study ? { study } : {}) }, binaryLabel(chexpertCell(row[positive]), chexpertCell(row['No Finding']) === true, preset));
    }
    listings.push(out.finish());
  }
  return { candidates: listings.flatMap((l) => l.candidates), problems: listings.flatMap((l) => l.problems) };
}
