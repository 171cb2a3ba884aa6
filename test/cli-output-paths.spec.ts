import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

const sample = resolve(fileURLToPath(import.meta.url), '../../data/sample/chest_xray');
const images = ['train/NORMAL/IM-0141-0001.jpeg', 'train/PNEUMONIA/person1011_bacteria_2942.jpeg', 'test/NORMAL/IM-0115-0001.jpeg', 'test/PNEUMONIA/person1004_bacteria_2935.jpeg'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-output-'));
  // real radiographs from data/sample/chest_xray: Kermany, Zhang, Goldbaum (2018), Mendeley Data V2, CC BY 4.0 (data/sample/README.md)
  for (const path of images) {
    await mkdir(join(dir, 'ds', path, '..'), { recursive: true });
    await copyFile(join(sample, path), join(dir, 'ds', path));
  }
  await symlink(join(dir, 'ds'), join(dir, 'link'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('--output never writes into the dataset', () => {
  it.each([
    ['audit onto an image', ['audit', 'ds', '--no-record', '-o', `ds/${images[0]}`]],
    ['manifest into a class folder', ['manifest', 'ds', '--format', 'json', '-o', 'ds/train/NORMAL/manifest.json']],
    ['audit through a symlinked dataset path', ['audit', 'link', '--no-record', '-o', `ds/${images[2]}`]],
    ['audit next to the splits, at the dataset root', ['audit', 'ds', '--no-record', '--format', 'html', '-o', 'ds/audit.html']],
  ])('%s: refused before any work, exit 2, the dataset unchanged', async (_name, args) => {
    const before = await readFile(join(dir, 'ds', images[0] as string));
    const { code, stderr, stdout } = await cli(dir, args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/inside the dataset folder[\s\S]*fix: nothing is written into a dataset/);
    expect(stderr).not.toMatch(/audit: hash/);
    expect(stdout).toBe('');
    expect(await readFile(join(dir, 'ds', images[0] as string))).toEqual(before);
  });

  it('a report next to the dataset is written', async () => {
    const { code } = await cli(dir, ['manifest', 'ds', '--format', 'json', '-o', 'ds-manifest.json']);
    expect(code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'ds-manifest.json'), 'utf8')).manifest.images).toHaveLength(4);
  });
});

describe('gate --junit', () => {
  beforeAll(async () => writeFile(join(dir, 'leakproof.config.json'), JSON.stringify({ datasets: [{ name: 'ds', path: 'ds' }] })));

  it('into a folder that does not exist: refused before the audit, exit 2, no stack trace', async () => {
    const { code, stderr } = await cli(dir, ['gate', '--junit', 'reports/gate.xml']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot write --junit reports\/gate\.xml: the folder .*reports does not exist\n {2}fix: create it first/);
    expect(stderr).not.toMatch(/internal error|audit ds: hash/);
  });

  it('onto a directory: refused before the audit, exit 2, no stack trace', async () => {
    const { code, stderr } = await cli(dir, ['gate', '--junit', 'ds']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot write --junit ds: .*ds is a folder\n {2}fix: name a file, e\.g\. ds\/report\.txt/);
    expect(stderr).not.toMatch(/internal error|\n\s+at |audit ds: hash/);
  });
});

describe('--output onto a folder', () => {
  it('is refused before any work, exit 2', async () => {
    await mkdir(join(dir, 'reports'), { recursive: true });
    const { code, stderr } = await cli(dir, ['audit', 'ds', '--no-record', '--format', 'html', '-o', 'reports']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot write --output reports: .*reports is a folder\n {2}fix: name a file/);
    expect(stderr).not.toMatch(/audit: hash/);
  });
});
