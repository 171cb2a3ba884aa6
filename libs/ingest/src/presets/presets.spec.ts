import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../build-manifest.js';
import { parseDatasetConfig } from '../dataset-config.js';
import { summarizeManifest } from '../summarize.js';
import { padchestLabels } from './padchest.js';
import { makeChexpert, makeMimicCxrJpg, makeNihCxr14, makePadchest, makeRsnaPneumonia } from './preset-fixtures.js';

const fresh = (name: string): Promise<string> => mkdtemp(join(tmpdir(), `preset-${name}-`));
const rows = (m: Awaited<ReturnType<typeof buildManifest>>): string[] => m.images.map((i) => `${i.split} ${i.label} ${i.patient} ${i.path}`);

describe('dataset presets on miniature copies of the real layouts', () => {
  it('nih-cxr14: Data_Entry_2017.csv, images_00N/images/, the official split lists; other findings left out with one note', async () => {
    const root = await fresh('nih');
    await makeNihCxr14(root);
    const m = await buildManifest(root, { preset: 'nih-cxr14' });
    expect(rows(m)).toEqual([
      'train PNEUMONIA 1 images_001/images/00000001_000.png',
      'train NORMAL 1 images_001/images/00000001_001.png',
      'test PNEUMONIA 2 images_001/images/00000002_000.png',
      'test NORMAL 3 images_002/images/00000003_000.png',
    ]);
    expect(m).toMatchObject({ idRule: 'preset:nih-cxr14', preset: 'nih-cxr14' });
    expect(m.patientIdKey).toBeUndefined();
    expect(m.problems).toEqual([expect.objectContaining({ kind: 'excluded-by-label', severity: 'note', message: expect.stringMatching(/^1 image/) })]);
    const rest = await buildManifest(root, { preset: { name: 'nih-cxr14', negative: 'rest', positive: 'Effusion', positiveClass: 'EFFUSION' } });
    expect(rest.images.map((i) => i.label)).toEqual(['NORMAL', 'NORMAL', 'EFFUSION', 'NORMAL', 'NORMAL']);
  });

  it('nih-cxr14: an image on both split lists is listed in both splits (a leak for the audit), not silently kept in train', async () => {
    const root = await fresh('nih-both');
    await makeNihCxr14(root);
    await writeFile(join(root, 'test_list.txt'), '00000002_000.png\n00000003_000.png\n00000001_000.png\n');
    const m = await buildManifest(root, { preset: 'nih-cxr14' });
    expect(rows(m).filter((r) => r.endsWith('00000001_000.png'))).toEqual(['train PNEUMONIA 1 images_001/images/00000001_000.png', 'test PNEUMONIA 1 images_001/images/00000001_000.png']);
  });

  it('chexpert: strips the archive folder from Path, patientNNNNN is the patient, -1 excluded by default (U-Ones on request)', async () => {
    const root = await fresh('chexpert');
    await makeChexpert(root);
    const m = await buildManifest(root, { preset: 'chexpert' });
    expect(rows(m)).toEqual([
      'train NORMAL patient00001 train/patient00001/study1/view1_frontal.jpg',
      'train PNEUMONIA patient00002 train/patient00002/study1/view1_frontal.jpg',
      'val NORMAL patient64541 valid/patient64541/study1/view1_frontal.jpg',
      'val PNEUMONIA patient64542 valid/patient64542/study1/view2_lateral.jpg',
    ]);
    expect(m.images[1]?.study).toBe('patient00002/study1');
    expect(m.problems.map((p) => p.kind)).toEqual(['excluded-by-label', 'excluded-by-label']);
    const uOnes = await buildManifest(root, { preset: { name: 'chexpert', uncertain: 'positive' } });
    expect(uOnes.images.find((i) => i.path.includes('patient00002/study2'))?.label).toBe('PNEUMONIA');
  });

  it('mimic-cxr-jpg: gzipped split + chexpert CSVs, files/pXX/pSUBJECT/sSTUDY/, validate → val', async () => {
    const root = await fresh('mimic');
    await makeMimicCxrJpg(root);
    const m = await buildManifest(root, { preset: 'mimic-cxr-jpg' });
    expect(rows(m)).toEqual([
      'train NORMAL 10000032 files/p10/p10000032/s50414267/02aa804e-bde0afdd-112c0b34-7bc16630-4e384014.jpg',
      'train NORMAL 10000032 files/p10/p10000032/s50414267/174413ec-4ec4c1f7-34ea26b7-c5f994f8-79ef1962.jpg',
      'val PNEUMONIA 10000764 files/p10/p10000764/s53189527/2a2277a9-b0ded155-c0de8eb9-c124d10e-82c5caab.jpg',
    ]);
    expect(m.images[0]?.study).toBe('s50414267');
    const summary = summarizeManifest(m);
    expect(summary.patients.total).toBe(2);
  });

  it('rsna-pneumonia: DICOM per patientId, boxes folded into one Target, a patient-linkage warning', async () => {
    const root = await fresh('rsna');
    const ids = await makeRsnaPneumonia(root);
    const m = await buildManifest(root, { preset: 'rsna-pneumonia' });
    expect(rows(m)).toEqual([
      `train NORMAL ${ids[1]} stage_2_train_images/${ids[1]}.dcm`,
      `train PNEUMONIA ${ids[2]} stage_2_train_images/${ids[2]}.dcm`,
      `train NORMAL ${ids[3]} stage_2_train_images/${ids[3]}.dcm`,
    ]);
    expect(m.problems.find((p) => p.kind === 'patient-linkage')).toMatchObject({ severity: 'note', message: expect.stringContaining('exactly one image') });
    expect(m.images[0]?.study).toMatch(/^1\.2\.276/);
    const rest = await buildManifest(root, { preset: { name: 'rsna-pneumonia', negative: 'rest' } });
    expect(rest.images).toHaveLength(4);
  });

  it('padchest: Python-list Labels, numbered folders, 16-bit PNGs, PatientID column', async () => {
    const root = await fresh('padchest');
    await makePadchest(root);
    const m = await buildManifest(root, { preset: 'padchest' });
    expect(m.images.map((i) => `${i.label} ${i.patient.slice(0, 6)} ${i.path.slice(0, 8)}`)).toEqual(['PNEUMONIA 839860 0/216840', 'NORMAL 839860 0/216840']);
    expect(padchestLabels("['pneumonia', 'infiltrates']")).toEqual(['pneumonia', 'infiltrates']);
  });

  it('a preset replaces layout, csv and idRule; a wrong name is a user error naming the field', () => {
    expect(() => parseDatasetConfig({ preset: 'nih' })).toThrow(/preset/);
    expect(() => parseDatasetConfig({ preset: 'chexpert', layout: 'csv', csv: { file: 'x.csv' } })).toThrow(/brings its own layout/);
    expect(() => parseDatasetConfig({ preset: 'chexpert', idRule: 'folder' })).toThrow(/brings its own patient IDs/);
  });
});
