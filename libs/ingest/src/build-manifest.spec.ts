import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientIdKeyFrom } from './patient-key.js';
import { buildManifest } from './build-manifest.js';
import { loadDatasetConfig, parseDatasetConfig } from './dataset-config.js';
import type { ImageRecord } from './manifest-schema.js';
import { carveByPatient } from './carve.js';
import { summarizeManifest } from './summarize.js';
import { canonicalSplit } from './split-names.js';

let dir: string;
const jpeg = (v: number) => sharp({ create: { width: 16, height: 16, channels: 3, background: { r: v, g: v, b: v } } }).jpeg().toBuffer();

async function put(root: string, rel: string, bytes: Buffer | string): Promise<void> {
  await mkdir(join(root, rel, '..'), { recursive: true });
  await writeFile(join(root, rel), bytes);
}

async function listAll(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).map(String).sort();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ingest-spec-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('folder layout', () => {
  it('folds split names case-insensitively, reads classes, derives patients, writes nothing into the dataset', async () => {
    const root = join(dir, 'kaggle');
    await put(root, 'Train/NORMAL/IM-0001-0001.jpeg', await jpeg(10));
    await put(root, 'Train/NORMAL/IM-0001-0002.jpeg', await jpeg(20));
    await put(root, 'Train/PNEUMONIA/person1_bacteria_1.jpeg', await jpeg(30));
    await put(root, 'VALID/NORMAL/NORMAL2-IM-0002-0001.jpeg', await jpeg(40));
    await put(root, 'VALID/PNEUMONIA/person1_virus_2.jpeg', await jpeg(50));
    const before = await listAll(root);
    const manifest = await buildManifest(root, {}, { cacheDir: join(dir, 'cache') });
    expect(await listAll(root)).toEqual(before);
    expect(manifest.problems).toEqual([]);
    expect(manifest.images.map((i) => [i.path, i.split, i.label, i.patient])).toEqual([
      ['Train/NORMAL/IM-0001-0001.jpeg', 'train', 'NORMAL', 'IM-0001'],
      ['Train/NORMAL/IM-0001-0002.jpeg', 'train', 'NORMAL', 'IM-0001'],
      ['Train/PNEUMONIA/person1_bacteria_1.jpeg', 'train', 'PNEUMONIA', 'person1/bacteria'],
      ['VALID/NORMAL/NORMAL2-IM-0002-0001.jpeg', 'val', 'NORMAL', 'NORMAL2-IM-0002'],
      ['VALID/PNEUMONIA/person1_virus_2.jpeg', 'val', 'PNEUMONIA', 'person1/virus'],
    ]);
    expect(manifest.images.every((i) => /^[0-9a-f]{64}$/.test(i.sha256) && i.size > 0)).toBe(true);
    // the cache gives the same answer
    expect((await buildManifest(root, {}, { cacheDir: join(dir, 'cache') })).images).toEqual(manifest.images);

    const strict = await buildManifest(root, { idRule: 'kermany-strict' });
    expect(summarizeManifest(strict).patients.inSeveralSplits).toBe(1); // person1 in train and val

    const summary = summarizeManifest(manifest);
    expect(summary.counts).toEqual({ train: { NORMAL: 2, PNEUMONIA: 1 }, val: { NORMAL: 1, PNEUMONIA: 1 } });
    expect(summary.patients.perSplit).toEqual({ train: 2, val: 2 });
    expect(summary.patients.perSeries?.['bacteria']).toEqual({ total: 1, train: 1 });
    expect(summary.imagesPerPatient).toEqual({ max: 2, median: 1, maxPatient: 'IM-0001' });
  });

  it('configured classes make other class folders unknown', async () => {
    const root = join(dir, 'kaggle');
    const manifest = await buildManifest(root, { classes: ['NORMAL'] });
    expect(manifest.problems.map((p) => [p.path, p.kind])).toEqual([
      ['Train/PNEUMONIA', 'unknown-class'],
      ['VALID/PNEUMONIA', 'unknown-class'],
    ]);
  });

  it('an unusable root is a user-facing error with a hint', async () => {
    await expect(buildManifest(join(dir, 'nope'))).rejects.toMatchObject({ userFacing: true, message: expect.stringContaining('does not exist') });
    await put(dir, 'flat/NORMAL/IM-0001-0001.jpeg', await jpeg(1));
    await expect(buildManifest(join(dir, 'flat'))).rejects.toMatchObject({ userFacing: true, hint: expect.stringContaining('not at a split') });
  });
});

describe('csv layout', () => {
  it('reads configurable columns and reports bad rows by line', async () => {
    const root = join(dir, 'csv');
    await put(root, 'img/a.png', await sharp(await jpeg(5)).png().toBuffer());
    await put(root, 'img/b.png', await sharp(await jpeg(6)).png().toBuffer());
    await put(root, 'labels.csv', 'file,finding,fold,subject\nimg/a.png,NORMAL,train,S1\nimg/b.png,PNEUMONIA,Test,\nimg/missing.png,NORMAL,train,S3\n../x.png,NORMAL,train,S4\n');
    const config = { layout: 'csv' as const, patientIds: 'pseudonymous' as const, csv: { file: 'labels.csv', columns: { path: 'file', label: 'finding', split: 'fold', patient: 'subject' } } };
    const manifest = await buildManifest(root, config);
    // a CSV's patient column may be a hospital record number: keyed-hashed unless declared pseudonymous
    const hashed = await buildManifest(root, { ...config, patientIds: undefined }, { patientIdKey: patientIdKeyFrom(Buffer.alloc(32, 1), 'test') });
    expect(hashed.images.map((i) => i.patient)).toEqual([expect.stringMatching(/^pid-[0-9a-f]{16}$/)]);
    expect(manifest.images.map((i) => [i.path, i.split, i.label, i.patient])).toEqual([['img/a.png', 'train', 'NORMAL', 'S1']]);
    expect(manifest.problems.map((p) => [p.path, p.kind])).toEqual([
      ['img/b.png', 'no-patient-id'],
      ['labels.csv:4', 'csv-row'],
      ['labels.csv:5', 'csv-row'],
    ]);
    await expect(buildManifest(root, { ...config, csv: { file: 'labels.csv', columns: { path: 'path', label: 'finding', split: 'fold', patient: 'subject' } } })).rejects.toMatchObject({
      userFacing: true,
      message: expect.stringContaining("no column 'path'"),
    });
  });
});

describe('csv row numbers', () => {
  it('name the line of the file, past blank lines and quoted line breaks', async () => {
    const root = join(dir, 'csv-lines');
    await put(root, 'img/a.png', await sharp(await jpeg(5)).png().toBuffer());
    await put(root, 'labels.csv', 'path,label,split,patient\n\nimg/a.png,NORMAL,train,S1\n\n"img/two\nlines.png",NORMAL,test,S2\nimg/gone.png,NORMAL,test,S3\n\nimg/a.png,NORMAL,holdout,S1\n');
    const manifest = await buildManifest(root, { layout: 'csv', patientIds: 'pseudonymous', csv: { file: 'labels.csv' } });
    expect(manifest.problems.map((p) => [p.path, p.message])).toEqual([
      ['labels.csv:6', "'img/two\nlines.png' does not exist"],
      ['labels.csv:7', "'img/gone.png' does not exist"],
      ['labels.csv:9', expect.stringContaining("split 'holdout'")],
    ]);
  });
});

describe('csv rows naming a file twice', () => {
  it('keeps a file listed in two splits or with two labels as one record per listing (the audit must see it); drops only an exact repeat', async () => {
    const root = join(dir, 'csv-twice');
    await put(root, 'img/a.png', await sharp(await jpeg(5)).png().toBuffer());
    await put(root, 'img/b.png', await sharp(await jpeg(6)).png().toBuffer());
    await put(root, 'labels.csv', 'path,label,split,patient\nimg/a.png,NORMAL,train,S1\nimg/b.png,NORMAL,train,S2\nimg/a.png,NORMAL,test,S1\nimg/b.png,PNEUMONIA,train,S2\nimg/a.png,NORMAL,Train,S1\n');
    const manifest = await buildManifest(root, { layout: 'csv', patientIds: 'pseudonymous', csv: { file: 'labels.csv' } });
    expect(manifest.images.map((i) => [i.path, i.split, i.label]).sort()).toEqual([
      ['img/a.png', 'test', 'NORMAL'],
      ['img/a.png', 'train', 'NORMAL'],
      ['img/b.png', 'train', 'NORMAL'],
      ['img/b.png', 'train', 'PNEUMONIA'],
    ]);
    expect(manifest.problems.map((p) => [p.path, p.kind, p.message])).toEqual([['labels.csv:6', 'csv-row', expect.stringMatching(/listed more than once with split 'train' and label 'NORMAL'/)]]);
  });
});

describe('dataset config', () => {
  it('errors name the file and the field', async () => {
    expect(() => parseDatasetConfig({ idRule: { regex: '(' } })).toThrow(/idRule\.regex: not a valid regular expression/);
    expect(() => parseDatasetConfig({ idRule: { regex: 'P(\\d+)' } })).toThrow(/named group/);
    expect(() => parseDatasetConfig({ layout: 'csv' })).toThrow(/csv: layout "csv" needs/);
    expect(() => parseDatasetConfig({ maxPixel: 5 })).toThrow(/maxPixel/);
    await writeFile(join(dir, 'bad.json'), '{"layout": "zip"}');
    await expect(loadDatasetConfig(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json.*layout/);
    await expect(loadDatasetConfig(join(dir, 'none.json'))).rejects.toMatchObject({ userFacing: true });
    expect(parseDatasetConfig({}).maxPixels).toBeGreaterThan(0);
  });
  it('canonical split names', () => {
    expect(['Train', 'TEST', 'val', 'Valid', 'validation'].map((s) => canonicalSplit(s))).toEqual(['train', 'test', 'val', 'val', 'val']);
    expect(canonicalSplit('holdout')).toBeUndefined();
    expect(canonicalSplit('HoldOut', { holdout: 'test' })).toBe('test');
  });
});

describe('carveByPatient', () => {
  const images: ImageRecord[] = [];
  for (let p = 0; p < 40; p++) {
    for (let k = 0; k <= p % 3; k++) {
      images.push({ path: `train/x/${p}-${k}.jpeg`, split: 'train', label: p % 4 === 0 ? 'NORMAL' : 'PNEUMONIA', patient: `P${p}`, size: 1, sha256: '0'.repeat(64), mtimeMs: 0 });
    }
  }
  images.push({ path: 'test/x/t.jpeg', split: 'test', label: 'NORMAL', patient: 'T', size: 1, sha256: '0'.repeat(64), mtimeMs: 0 });
  const opts = { fraction: 0.25, seed: 7, fromSplit: 'train', newSplit: 'val' };

  it('moves whole patients, stratified, deterministic whatever the order', () => {
    const carved = carveByPatient(images, opts);
    const splitsOf = new Map<string, Set<string>>();
    for (const i of carved) splitsOf.set(i.patient, (splitsOf.get(i.patient) ?? new Set()).add(i.split));
    expect([...splitsOf.values()].every((s) => s.size === 1)).toBe(true);
    const valPatients = new Set(carved.filter((i) => i.split === 'val').map((i) => i.patient));
    expect(valPatients.size).toBe(11); // 10 NORMAL patients → 3 (2.5 rounded) + 30 PNEUMONIA → 8 (7.5 rounded)
    const valNormal = [...valPatients].filter((p) => Number(p.slice(1)) % 4 === 0).length;
    expect(valNormal).toBeGreaterThanOrEqual(2);
    expect(carved.find((i) => i.patient === 'T')?.split).toBe('test');
    expect(carveByPatient([...images].reverse(), opts).filter((i) => i.split === 'val').map((i) => i.path).sort()).toEqual(
      carved.filter((i) => i.split === 'val').map((i) => i.path).sort(),
    );
    expect(images.every((i) => i.split !== 'val')).toBe(true); // input untouched
    expect(carveByPatient(images, { ...opts, seed: 8 })).not.toEqual(carved);
  });
  it('rejects impossible requests', () => {
    expect(() => carveByPatient(images, { ...opts, fraction: 1 })).toThrow(/between 0 and 1/);
    expect(() => carveByPatient(images, { ...opts, fromSplit: 'nope' })).toThrow(/0 patient/);
  });
});
