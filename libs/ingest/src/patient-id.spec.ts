import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { folderPatient, kermanyPatient, kermanySeries, kermanyStrictPatient, patientId } from './patient-id.js';

const shared = resolve(fileURLToPath(import.meta.url), '../../../../../shared/data/chest_xray_224/train');
const haveShared = existsSync(shared);
if (!haveShared) console.warn(`skipping real-name ID tests: ${shared} is absent`);

describe('kermany rule (default)', () => {
  it.each([
    ['person1_bacteria_1.jpeg', 'person1/bacteria'],
    ['person258_bacteria_1207.jpeg', 'person258/bacteria'],
    ['train/PNEUMONIA/person1_virus_6.jpeg', 'person1/virus'],
    ['person447_virus_921_1.jpeg', 'person447/virus'],
    ['PERSON12_Virus_3.JPEG', 'person12/virus'],
    ['person007_bacteria_1.jpeg', 'person7/bacteria'],
    ['IM-0115-0001.jpeg', 'IM-0115'],
    ['IM-0429-0001-0001.jpeg', 'IM-0429'],
    ['IM-0429-0001-0002.jpeg', 'IM-0429'],
    ['NORMAL2-IM-0588-0001.jpeg', 'NORMAL2-IM-0588'],
    ['NORMAL2-IM-0535-0001-0002.jpeg', 'NORMAL2-IM-0535'],
    ['NORMAL-1003233-0001.jpeg', 'V3-1003233'],
    ['BACTERIA-1008087-0001.jpeg', 'V3-1008087'],
    ['VIRUS-1003310-0002.jpeg', 'V3-1003310'],
  ])('%s → %s', (name, id) => expect(kermanyPatient(name)).toBe(id));

  it.each(['scan.jpeg', 'person_bacteria_1.jpeg', 'personX_virus_1.jpeg', 'person1_fungus_1.jpeg', 'IM-0115.jpeg', 'NORMAL3-IM-0001-0001.jpeg', 'IM-0115-0001', '', 'person1_bacteria_.jpeg'])(
    'no ID from %j (never made up)',
    (name) => expect(kermanyPatient(name)).toBeUndefined(),
  );

  it('IM- and NORMAL2-IM- are separate series, as are bacteria and virus', () => {
    expect(kermanyPatient('IM-0115-0001.jpeg')).not.toBe(kermanyPatient('NORMAL2-IM-0115-0001.jpeg'));
    expect(kermanyPatient('person5_bacteria_1.jpeg')).not.toBe(kermanyPatient('person5_virus_2.jpeg'));
    expect(kermanySeries('person5/bacteria')).toBe('bacteria');
    expect(kermanySeries('NORMAL2-IM-0115')).toBe('NORMAL2-IM');
  });
});

describe('kermany-strict rule', () => {
  it('one child per person number across series', () => {
    expect(kermanyStrictPatient('person5_bacteria_1.jpeg')).toBe('person5');
    expect(kermanyStrictPatient('person5_virus_9.jpeg')).toBe('person5');
    expect(kermanyStrictPatient('IM-0115-0001.jpeg')).toBe('IM-0115');
    expect(patientId('a/b/person9_virus_1.jpeg', 'kermany-strict')).toBe('person9');
  });
});

describe('regex, csv and folder rules', () => {
  it('regex with a named group, matched on the relative path', () => {
    const rule = { regex: '^(?:[^/]+/){2}(?<patient>P\\d+)_' };
    expect(patientId('train/NORMAL/P0012_view2.png', rule)).toBe('P0012');
    expect(patientId('train/NORMAL/scan.png', rule)).toBeUndefined();
    expect(patientId('train/NORMAL/x.png', { regex: '(?<patient>z*)x' })).toBeUndefined(); // empty group is no ID
  });
  it('csv takes the column value, trimmed; empty is no ID', () => {
    expect(patientId('a.png', 'csv', ' 123 ')).toBe('123');
    expect(patientId('a.png', 'csv', '  ')).toBeUndefined();
    expect(patientId('a.png', 'csv')).toBeUndefined();
  });
  it('folder: the nearest CheXpert-style patientNNNNN directory', () => {
    expect(folderPatient('train/patient00001/study1/view1_frontal.jpg')).toBe('patient00001');
    expect(patientId('valid/patient64541/study1/view1_frontal.jpg', 'folder')).toBe('patient64541');
    expect(folderPatient('train/study1/view1_frontal.jpg')).toBeUndefined();
    expect(folderPatient('patient00001.jpg')).toBeUndefined();
  });
});

describe.skipIf(!haveShared)('rules on the real 5,216 training names (../shared)', () => {
  const names = haveShared ? ['NORMAL', 'PNEUMONIA'].flatMap((c) => readdirSync(join(shared, c))) : [];

  it('every real name yields an ID under kermany and kermany-strict', () => {
    expect(names).toHaveLength(5216);
    expect(names.filter((n) => kermanyPatient(n) === undefined)).toEqual([]);
    expect(names.filter((n) => kermanyStrictPatient(n) === undefined)).toEqual([]);
  });

  it('patients per series, and 808 person numbers shared by the bacteria and virus series', () => {
    const perSeries = new Map<string, Set<string>>();
    for (const n of names) {
      const id = kermanyPatient(n) as string;
      const series = kermanySeries(id) as string;
      perSeries.set(series, (perSeries.get(series) ?? new Set()).add(id));
    }
    expect(Object.fromEntries([...perSeries].map(([k, v]) => [k, v.size]))).toEqual({ IM: 518, 'NORMAL2-IM': 693, bacteria: 1353, virus: 1090 });
    const strictPersons = new Set(names.map((n) => kermanyStrictPatient(n) as string).filter((id) => id.startsWith('person')));
    expect(1353 + 1090 - strictPersons.size).toBe(808);
  });
});
