import { join } from 'node:path';
import type { Listing } from '../list-folders.js';
import type { PresetConfig } from './preset-config.js';
import { binaryLabel, chexpertCell, PresetListing, readTable, requireColumns, type Row } from './preset-support.js';

const splits: Record<string, string> = { train: 'train', validate: 'val', test: 'test' };

/**
 * MIMIC-CXR-JPG 2.0.0: `mimic-cxr-2.0.0-split.csv[.gz]` (dicom_id, study_id, subject_id, split =
 * train/validate/test), labels per study in `mimic-cxr-2.0.0-chexpert.csv[.gz]` (or `-negbio`), images
 * at `files/p<first 2 digits>/p<subject_id>/s<study_id>/<dicom_id>.jpg`. The patient is the subject.
 */
export async function listMimicCxrJpg(root: string, preset: PresetConfig): Promise<Listing> {
  const positive = preset.positive ?? 'Pneumonia';
  const [split, labels] = await Promise.all([
    readTable(root, ['mimic-cxr-2.0.0-split.csv'], 'mimic-cxr-2.0.0-split.csv'),
    readTable(root, [`mimic-cxr-2.0.0-${preset.labeler}.csv`], `mimic-cxr-2.0.0-${preset.labeler}.csv`),
  ]);
  requireColumns(split, ['dicom_id', 'study_id', 'subject_id', 'split']);
  requireColumns(labels, ['subject_id', 'study_id', 'No Finding', positive]);
  const byStudy = new Map<string, Row>(labels.rows.map((r) => [`${r['subject_id']}/${r['study_id']}`, r]));
  const out = new PresetListing(preset, labels.name, positive);
  split.rows.forEach((row, i) => {
    const where = `${split.name}:${i + 2}`;
    const subject = row['subject_id'] ?? '';
    const study = row['study_id'] ?? '';
    const canonical = splits[(row['split'] ?? '').toLowerCase()];
    if (!canonical) return out.rowProblem(where, `split '${row['split']}' is not train/validate/test`);
    const label = byStudy.get(`${subject}/${study}`);
    // studies without a labeler row have no finding at all recorded: the labeler found nothing to say
    const cell = (c: string): string | undefined => label?.[c];
    const path = `files/p${subject.slice(0, 2)}/p${subject}/s${study}/${row['dicom_id']}.jpg`;
    out.add({ absPath: join(root, path), path, split: canonical, csvPatient: subject, study: `s${study}` }, label ? binaryLabel(chexpertCell(cell(positive)), chexpertCell(cell('No Finding')) === true, preset) : 'excluded-other');
  });
  return out.finish();
}
