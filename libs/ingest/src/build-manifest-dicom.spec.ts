import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildManifest } from './build-manifest.js';
import { encodeDicom } from './dicom-writer.js';
import { patientIdKeyFrom, pseudonym, resolvePatientIdKey } from './patient-key.js';

const key = patientIdKeyFrom(Buffer.alloc(32, 7), 'test');
let root: string;

const dicom = (patientId: string | undefined, i: number): Buffer =>
  encodeDicom({
    // one header larger than the first 16 kB read of a warm run
    ...(i === 5 ? { privateBytes: 40_000 } : {}), rows: 8, columns: 8, pixels: Uint8Array.from({ length: 64 }, (_, k) => (k * 3 + i * 40) % 256), ...(patientId ? { patientId } : {}), patientName: 'DOE^JANE', birthDate: '19700101', studyUid: `1.2.3.${i}`, seriesUid: `1.2.3.${i}.1` });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dicom-manifest-'));
  for (const [split, label, name, patient, i] of [
    ['train', 'NORMAL', 'IM0001', 'MRN-0042', 1],
    ['train', 'PNEUMONIA', 'b.dcm', 'MRN-0043', 2],
    ['test', 'NORMAL', 'c.dcm', 'MRN-0042', 3],
    ['test', 'PNEUMONIA', 'noid.dcm', undefined, 4],
    ['train', 'PNEUMONIA', 'big-header.dcm', 'MRN-0043', 5],
  ] as const) {
    await mkdir(join(root, split, label), { recursive: true });
    await writeFile(join(root, split, label, name), dicom(patient, i));
  }
  await writeFile(join(root, 'train', 'NORMAL', 'README'), 'not an image');
});

describe('DICOM datasets: PatientID from the tag, keyed-hashed by default', () => {
  it('uses PatientID (0010,0020) as the patient, replaced by an HMAC; Study/Series UIDs hashed too', async () => {
    const m = await buildManifest(root, {}, { patientIdKey: key });
    expect(m.idRule).toBe('dicom');
    expect(m.patientIdKey).toBe(key.id);
    expect(m.images.map((i) => [i.path, i.patient])).toEqual([
      ['test/NORMAL/c.dcm', pseudonym(key, 'patient', 'MRN-0042')],
      ['train/NORMAL/IM0001', pseudonym(key, 'patient', 'MRN-0042')],
      ['train/PNEUMONIA/b.dcm', pseudonym(key, 'patient', 'MRN-0043')],
      ['train/PNEUMONIA/big-header.dcm', pseudonym(key, 'patient', 'MRN-0043')],
    ]);
    expect(m.images[0]?.study).toBe(pseudonym(key, 'study', '1.2.3.3'));
    expect(m.images[0]?.series).toMatch(/^series-[0-9a-f]{16}$/);
    expect(m.problems.map((p) => `${p.kind} ${p.path}`)).toEqual(['no-patient-id test/PNEUMONIA/noid.dcm', 'stray-file train/NORMAL/README']);
    expect(JSON.stringify(m)).not.toMatch(/MRN-004|DOE|19700101|1\.2\.3\./);
  });

  it('another key gives other pseudonyms; "pseudonymous" keeps the IDs and needs no key', async () => {
    const other = await buildManifest(root, {}, { patientIdKey: patientIdKeyFrom(Buffer.alloc(32, 8), 'other') });
    const m = await buildManifest(root, {}, { patientIdKey: key });
    expect(other.images[0]?.patient).not.toBe(m.images[0]?.patient);
    const raw = await buildManifest(root, { patientIds: 'pseudonymous' });
    expect(raw.images.map((i) => i.patient)).toEqual(['MRN-0042', 'MRN-0042', 'MRN-0043', 'MRN-0043']);
    expect(raw.patientIdKey).toBeUndefined();
  });

  it('refuses to write raw tag IDs when no key is given', async () => {
    await expect(buildManifest(root)).rejects.toMatchObject({ userFacing: true, hint: expect.stringContaining('pseudonymous') });
  });

  it('the hash cache never holds identifiers; a warm run re-reads them from the header', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'dicom-cache-'));
    const cold = await buildManifest(root, {}, { patientIdKey: key, cacheDir });
    const warm = await buildManifest(root, {}, { patientIdKey: key, cacheDir });
    expect(warm.images).toEqual(cold.images);
    expect(warm.images).toHaveLength(4);
    const cache = await readFile(join(cacheDir, (await import('node:fs/promises').then((fs) => fs.readdir(cacheDir)))[0] as string), 'utf8');
    expect(cache).not.toMatch(/MRN|pid-|1\.2\.3\./);
  });
});

describe('the project key', () => {
  it('is generated once into .leakproof/patient-id.key (0600) and reused; env overrides it', async () => {
    const project = await mkdtemp(join(tmpdir(), 'key-'));
    const first = await resolvePatientIdKey(project, {});
    const again = await resolvePatientIdKey(project, {});
    expect(again.id).toBe(first.id);
    expect((await stat(join(project, '.leakproof', 'patient-id.key'))).mode & 0o777).toBe(0o600);
    const fromEnv = await resolvePatientIdKey(project, { LEAKPROOF_PATIENT_ID_KEY: 'ab'.repeat(32) });
    expect(fromEnv.secret).toEqual(Buffer.alloc(32, 0xab));
    expect(fromEnv.source).toBe('$LEAKPROOF_PATIENT_ID_KEY');
    await expect(resolvePatientIdKey(project, { LEAKPROOF_PATIENT_ID_KEY: 'short' })).rejects.toThrow(/shorter than 16 bytes/);
    await expect(resolvePatientIdKey(project, { LEAKPROOF_PATIENT_ID_KEY_FILE: 'missing.key' })).rejects.toThrow(/does not exist/);
  });
});
