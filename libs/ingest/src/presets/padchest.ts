import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Listing } from '../list-folders.js';
import { IngestUserError } from '../user-error.js';
import type { PresetConfig } from './preset-config.js';
import { binaryLabel, PresetListing, readTable, requireColumns } from './preset-support.js';

/** `['pneumonia', 'infiltrates']` → ['pneumonia', 'infiltrates'] (the CSV stores Python list literals). */
export function padchestLabels(cell: string | undefined): string[] {
  return (cell ?? '').replace(/^\[|\]$/g, '').split(',').map((l) => l.trim().replace(/^['"]|['"]$/g, '').trim().toLowerCase()).filter(Boolean);
}

/**
 * PadChest: `PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv[.gz]` with ImageID, ImageDir (the
 * numbered image folder), StudyID, PatientID, Labels. No official split: everything is `train`.
 */
export async function listPadchest(root: string, preset: PresetConfig): Promise<Listing> {
  const csvName = (await readdir(root)).find((n) => /^PADCHEST_chest_x_ray_images_labels.*\.csv(\.gz)?$/i.test(n));
  if (!csvName) throw new IngestUserError(`no PADCHEST_chest_x_ray_images_labels_*.csv in ${root}`, 'point at the folder holding the PadChest label CSV and the numbered image folders');
  const table = await readTable(root, [csvName.replace(/\.gz$/, '')], csvName);
  requireColumns(table, ['ImageID', 'ImageDir', 'PatientID', 'Labels']);
  const positive = (preset.positive ?? 'pneumonia').toLowerCase();
  const out = new PresetListing(preset, table.name, positive);
  table.rows.forEach((row, i) => {
    const labels = padchestLabels(row['Labels']);
    const path = `${row['ImageDir']}/${row['ImageID']}`;
    if (!row['ImageID'] || !row['ImageDir']) return out.rowProblem(`${table.name}:${i + 2}`, 'empty ImageID or ImageDir');
    out.add({ absPath: join(root, path), path, split: 'train', csvPatient: row['PatientID'] ?? '', ...(row['StudyID'] ? { study: row['StudyID'] } : {}) }, binaryLabel(labels.includes(positive), labels.includes('normal'), preset));
  });
  return out.finish();
}
