import { join } from 'node:path';
import type { Listing } from '../list-folders.js';
import type { PresetConfig } from './preset-config.js';
import { binaryLabel, indexFiles, PresetListing, readTable, requireColumns } from './preset-support.js';

/**
 * RSNA Pneumonia Detection Challenge: `stage_2_train_labels.csv` (patientId, x, y, width, height, Target;
 * one row per box), DICOMs at `stage_2_train_images/<patientId>.dcm`, optional
 * `stage_2_detailed_class_info.csv` (Normal / Lung Opacity / No Lung Opacity / Not Normal). Only the
 * training images are labelled, so everything is `train` (the trainer carves val/held-out).
 */
export async function listRsnaPneumonia(root: string, preset: PresetConfig): Promise<Listing> {
  const labels = await readTable(root, ['stage_2_train_labels.csv', 'stage_1_train_labels.csv'], 'stage_2_train_labels.csv');
  requireColumns(labels, ['patientId', 'Target']);
  let detail: Map<string, string> | undefined;
  try {
    const table = await readTable(root, ['stage_2_detailed_class_info.csv', 'stage_1_detailed_class_info.csv'], 'detailed class info');
    detail = new Map(table.rows.map((r) => [r['patientId'] ?? '', r['class'] ?? '']));
  } catch {
    detail = undefined;
  }
  const files = await indexFiles(root, /^stage_\d_train_images$/);
  const target = new Map<string, number>();
  const firstRow = new Map<string, number>();
  labels.rows.forEach((r, i) => {
    const id = r['patientId'] ?? '';
    target.set(id, Math.max(target.get(id) ?? 0, Number(r['Target'] ?? 0)));
    if (!firstRow.has(id)) firstRow.set(id, i);
  });
  const out = new PresetListing(preset, labels.name, 'Target');
  for (const [id, t] of target) {
    const where = `${labels.name}:${(firstRow.get(id) ?? 0) + 2}`;
    const path = files.get(`${id}.dcm`);
    if (!path) {
      out.missingFile(where, `${id}.dcm`);
      continue;
    }
    // without the detailed class file every Target 0 counts as no finding
    const normal = detail ? detail.get(id) === 'Normal' : true;
    out.add({ absPath: join(root, path), path, split: 'train', csvPatient: id }, binaryLabel(t === 1, normal, preset));
  }
  const listing = out.finish();
  listing.problems.push({
    path: labels.name,
    kind: 'patient-linkage',
    message: 'RSNA Pneumonia: every patientId has exactly one image, so the same person under two IDs cannot be linked; the patient-overlap check cannot catch patient leakage here (the exact/pixel/near duplicate checks still run)',
    hint: 'the images come from NIH ChestX-ray14; to split by real patient, map them back to its Patient ID and use the nih-cxr14 preset',
    severity: 'note',
  });
  return listing;
}
