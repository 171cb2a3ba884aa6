import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { encodeDicom } from '../dicom-writer.js';

/**
 * Miniature copies of the public sets' real layouts and label files (names, columns, value formats), with
 * tiny distinct images, for the preset tests. No download; a few KB each.
 */
let seed = 0;
async function image(root: string, rel: string, format: 'png' | 'jpg' | 'png16' = 'png'): Promise<void> {
  const value = (seed = (seed + 37) % 251);
  const pixels = Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => (value + i * 3) % 256));
  const img = sharp(pixels, { raw: { width: 8, height: 8, channels: 1 } });
  const bytes = format === 'jpg' ? await img.jpeg().toBuffer() : format === 'png16' ? await img.png().toColourspace('grey16').toBuffer() : await img.png().toBuffer();
  await put(root, rel, bytes);
}

async function put(root: string, rel: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(join(root, rel)), { recursive: true });
  await writeFile(join(root, rel), content);
}

/** NIH ChestX-ray14: 4 patients; patient 4 has only another finding (left out under "no-finding"). */
export async function makeNihCxr14(root: string): Promise<void> {
  const rows: [string, string, string, string][] = [
    ['00000001_000.png', 'Pneumonia', '0', '1'],
    ['00000001_001.png', 'No Finding', '1', '1'],
    ['00000002_000.png', 'Effusion|Pneumonia', '0', '2'],
    ['00000003_000.png', 'No Finding', '0', '3'],
    ['00000004_000.png', 'Cardiomegaly', '0', '4'],
  ];
  // the real header: the bracketed names hold commas, and every line ends with one
  const header = 'Image Index,Finding Labels,Follow-up #,Patient ID,Patient Age,Patient Gender,View Position,OriginalImage[Width,Height],OriginalImagePixelSpacing[x,y],';
  await put(root, 'Data_Entry_2017.csv', [header, ...rows.map(([img, f, fu, p]) => `${img},${f},${fu},${p},58,M,PA,2682,2749,0.143,0.143,`)].join('\n') + '\n');
  await put(root, 'train_val_list.txt', '00000001_000.png\n00000001_001.png\n00000004_000.png\n');
  await put(root, 'test_list.txt', '00000002_000.png\n00000003_000.png\n');
  for (const [i, [img]] of rows.entries()) await image(root, `images_00${i < 3 ? 1 : 2}/images/${img}`);
  await put(root, 'BBox_List_2017.csv', 'Image Index,Finding Label,Bbox [x,y,w,h],,,\n');
}

const chexpertColumns = ['No Finding', 'Enlarged Cardiomediastinum', 'Cardiomegaly', 'Lung Opacity', 'Lung Lesion', 'Edema', 'Consolidation', 'Pneumonia', 'Atelectasis', 'Pneumothorax', 'Pleural Effusion', 'Pleural Other', 'Fracture', 'Support Devices'];

function chexpertRow(path: string, findings: Record<string, string>): string {
  return [path, 'Female', '68', 'Frontal', 'AP', ...chexpertColumns.map((c) => findings[c] ?? '')].join(',');
}

/** CheXpert-v1.0-small: Path column prefixed with the archive folder; -1.0 uncertain, blank unmentioned. */
export async function makeChexpert(root: string): Promise<void> {
  const header = ['Path', 'Sex', 'Age', 'Frontal/Lateral', 'AP/PA', ...chexpertColumns].join(',');
  const train: [string, Record<string, string>][] = [
    ['train/patient00001/study1/view1_frontal.jpg', { 'No Finding': '1.0' }],
    ['train/patient00002/study1/view1_frontal.jpg', { Pneumonia: '1.0', 'Lung Opacity': '1.0' }],
    ['train/patient00002/study2/view1_frontal.jpg', { Pneumonia: '-1.0' }],
    ['train/patient00003/study1/view1_frontal.jpg', { Edema: '1.0', Pneumonia: '0.0' }],
  ];
  const valid: [string, Record<string, string>][] = [
    ['valid/patient64541/study1/view1_frontal.jpg', { 'No Finding': '1.0' }],
    ['valid/patient64542/study1/view2_lateral.jpg', { Pneumonia: '1.0' }],
  ];
  await put(root, 'train.csv', [header, ...train.map(([p, f]) => chexpertRow(`CheXpert-v1.0-small/${p}`, f))].join('\n') + '\n');
  await put(root, 'valid.csv', [header, ...valid.map(([p, f]) => chexpertRow(`CheXpert-v1.0-small/${p}`, f))].join('\n') + '\n');
  for (const [p] of [...train, ...valid]) await image(root, p, 'jpg');
}

/** MIMIC-CXR-JPG 2.0.0: gzipped split and label CSVs, files/pXX/pSUBJECT/sSTUDY/DICOM_ID.jpg. */
export async function makeMimicCxrJpg(root: string): Promise<void> {
  const images: [string, string, string, string][] = [
    ['02aa804e-bde0afdd-112c0b34-7bc16630-4e384014', '50414267', '10000032', 'train'],
    ['174413ec-4ec4c1f7-34ea26b7-c5f994f8-79ef1962', '50414267', '10000032', 'train'],
    ['2a2277a9-b0ded155-c0de8eb9-c124d10e-82c5caab', '53189527', '10000764', 'validate'],
    ['68b5c4b1-227d0485-9cc38c3f-7b84ab51-4b472714', '56699142', '10000898', 'test'],
    ['fffabebf-74fd3a1f-673b6b41-96ec0ac9-2ab69818', '58000000', '10001111', 'train'],
  ];
  await put(root, 'mimic-cxr-2.0.0-split.csv.gz', gzipSync(['dicom_id,study_id,subject_id,split', ...images.map((r) => r.join(','))].join('\n') + '\n'));
  const labelHeader = 'subject_id,study_id,Atelectasis,Cardiomegaly,Consolidation,Edema,Enlarged Cardiomediastinum,Fracture,Lung Lesion,Lung Opacity,No Finding,Pleural Effusion,Pleural Other,Pneumonia,Pneumothorax,Support Devices';
  const label = (subject: string, study: string, noFinding: string, pneumonia: string): string => `${subject},${study},,,,,,,,,${noFinding},,,${pneumonia},,`;
  await put(root, 'mimic-cxr-2.0.0-chexpert.csv.gz', gzipSync([labelHeader, label('10000032', '50414267', '1.0', ''), label('10000764', '53189527', '', '1.0'), label('10000898', '56699142', '', '-1.0'), label('10001111', '58000000', '', '0.0')].join('\n') + '\n'));
  for (const [dicomId, study, subject] of images) await image(root, `files/p${subject.slice(0, 2)}/p${subject}/s${study}/${dicomId}.jpg`, 'jpg');
}

/** RSNA Pneumonia: DICOMs named by patientId, one label row per box (two boxes for the first). */
export async function makeRsnaPneumonia(root: string): Promise<string[]> {
  const ids = ['0004cfab-14fd-4e49-80ba-63a80b6bddd6', '00313ee0-9eaa-42f4-b0ab-c148ed3241cd', '00322d4d-1c29-4943-afc9-b6754be640eb', '003d8fa0-6bf1-40ed-b54c-ac657f8495c5'];
  await put(root, 'stage_2_train_labels.csv', ['patientId,x,y,width,height,Target', `${ids[0]},,,,,0`, `${ids[1]},,,,,0`, `${ids[2]},264.0,152.0,213.0,379.0,1`, `${ids[2]},562.0,152.0,256.0,453.0,1`, `${ids[3]},,,,,0`].join('\n') + '\n');
  await put(root, 'stage_2_detailed_class_info.csv', ['patientId,class', `${ids[0]},No Lung Opacity / Not Normal`, `${ids[1]},Normal`, `${ids[2]},Lung Opacity`, `${ids[2]},Lung Opacity`, `${ids[3]},Normal`].join('\n') + '\n');
  for (const [i, id] of ids.entries()) {
    const pixels = Uint8Array.from({ length: 64 }, (_, k) => (k * 4 + i * 50) % 256);
    await put(root, `stage_2_train_images/${id}.dcm`, encodeDicom({ rows: 8, columns: 8, pixels, patientId: id, patientName: id, studyUid: `1.2.276.0.7230010.3.1.2.8323329.${6000 + i}.1517874291.1`, seriesUid: `1.2.276.0.7230010.3.1.3.8323329.${6000 + i}.1517874291.2` }));
  }
  await put(root, 'stage_2_test_images/.keep', '');
  return ids;
}

/** PadChest: Python-list Labels, numbered image folders, 16-bit PNGs. */
export async function makePadchest(root: string): Promise<void> {
  const header = 'ImageID,ImageDir,StudyDate_DICOM,StudyID,PatientID,PatientBirth,PatientSex_DICOM,ViewPosition_DICOM,Projection,MethodProjection,Pediatric,Modality_DICOM,Labels,Localizations';
  const rows = [
    ['216840111366964012339356563862009072111404053_00-043-192.png', '0', '20090721', '216840111366964012339356563862009072111404053', '839860488694292331637988235681460987', '1929.0', 'F', "['POSTEROANTERIOR']", 'PA', 'Manual review of DICOM fields', 'No', 'CR', '"[\'normal\']"', '[]'],
    ['216840111366964012283393834152009033135627427_01-000-163.png', '0', '20090331', '216840111366964012283393834152009033135627427', '839860488694292331637988235681460987', '1929.0', 'F', "['POSTEROANTERIOR']", 'PA', 'Manual review of DICOM fields', 'No', 'CR', '"[\'pneumonia\', \'infiltrates\']"', '[]'],
    ['216840111366964012373310883942009180082307177_00-097-074.png', '1', '20090629', '216840111366964012373310883942009180082307177', '99637113497838165738286133052620193', '1951.0', 'M', "['POSTEROANTERIOR']", 'PA', 'Manual review of DICOM fields', 'No', 'CR', '"[\'COPD signs\']"', '[]'],
  ];
  await put(root, 'PADCHEST_chest_x_ray_images_labels_160K_01.02.19.csv', [header, ...rows.map((r) => r.join(','))].join('\n') + '\n');
  for (const r of rows) await image(root, `${r[1]}/${r[0]}`, 'png16');
}
