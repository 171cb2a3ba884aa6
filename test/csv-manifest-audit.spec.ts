import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '@leakproof/audit';
import { cli } from './support/run-cli.js';

const sample = resolve(fileURLToPath(import.meta.url), '../../data/sample/chest_xray');
const images = ['train/NORMAL/IM-0141-0001.jpeg', 'train/NORMAL/IM-0151-0001.jpeg', 'test/NORMAL/IM-0115-0001.jpeg', 'test/PNEUMONIA/person1004_bacteria_2935.jpeg'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csv-audit-'));
  await mkdir(join(dir, 'ds', 'img'), { recursive: true });
  // real radiographs from data/sample/chest_xray: Kermany, Zhang, Goldbaum (2018), Mendeley Data V2, CC BY 4.0 (data/sample/README.md)
  for (const [i, path] of images.entries()) await copyFile(join(sample, path), join(dir, 'ds', 'img', `${i}.jpeg`));
  await writeFile(join(dir, 'ds.json'), JSON.stringify({ layout: 'csv', csv: { file: 'labels.csv' }, patientIds: 'pseudonymous' }));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const audit = async (csv: string): Promise<{ code: number; report: AuditReport }> => {
  await writeFile(join(dir, 'ds', 'labels.csv'), csv);
  const { code, stdout } = await cli(dir, ['audit', 'ds', '--config', 'ds.json', '--format', 'json', '--no-record', '--no-cache']);
  return { code, report: JSON.parse(stdout) as AuditReport };
};

describe('audit of a CSV manifest that lists one file twice', () => {
  const rows = 'path,label,split,patient\nimg/0.jpeg,NORMAL,train,A\nimg/1.jpeg,NORMAL,train,B\nimg/2.jpeg,NORMAL,test,C\nimg/3.jpeg,PNEUMONIA,test,D\n';

  it('in train and in test: an exact leak, exit 1', async () => {
    const { code, report } = await audit(`${rows}img/0.jpeg,NORMAL,test,E\n`);
    expect(code).toBe(1);
    expect(report.findings.filter((f) => f.severity === 'fail').map((f) => [f.kind, f.pathA, f.pathB])).toEqual([['exact', 'img/0.jpeg', 'img/0.jpeg']]);
  });

  it('with two labels: a label conflict, exit 1', async () => {
    const { code, report } = await audit(`${rows}img/1.jpeg,PNEUMONIA,train,B\n`);
    expect(code).toBe(1);
    expect(report.findings.map((f) => f.kind)).toEqual(['label-conflict']);
  });

  it('the same row twice is no leak', async () => {
    const { code, report } = await audit(`${rows}img/1.jpeg,NORMAL,train,B\n`);
    expect(code).toBe(0);
    expect(report.problems.map((p) => [p.path, p.kind])).toEqual([['labels.csv:6', 'csv-row']]);
  });
});
