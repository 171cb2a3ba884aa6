import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePredictionsCsv, readExternalPredictions, type ExpectedSplit } from './external-predictions.js';
import { ProblemFoundError } from '@leakproof/core';

const image = (path: string, split: string, label: string, patient: string) => ({ path, split, label, patient, size: 1, sha256: '0'.repeat(64), mtimeMs: 0 });
const expected: ExpectedSplit = {
  root: '/data/xray',
  split: 'test',
  positiveClass: 'PNEUMONIA',
  images: [
    image('test/NORMAL/a.jpeg', 'test', 'NORMAL', 'p1'),
    image('test/PNEUMONIA/b.jpeg', 'test', 'PNEUMONIA', 'p2'),
    image('train/NORMAL/c.jpeg', 'train', 'NORMAL', 'p3'),
  ],
};
const parse = (text: string) => parsePredictionsCsv('preds.csv', text, expected);
const refusal = (text: string) => {
  try {
    parse(text);
  } catch (error) {
    return { message: (error as Error).message, hint: (error as { hint?: string }).hint, problemFound: error instanceof ProblemFoundError };
  }
  throw new Error('expected a refusal');
};

describe('external predictions CSV', () => {
  it('takes labels and patients from the manifest, never from the file', () => {
    const got = parse('path,prob,label\ntest/NORMAL/a.jpeg,0.2,1\n/data/xray/test/PNEUMONIA/b.jpeg,0.9,0\n');
    expect(got.predictions).toEqual([
      { path: 'test/NORMAL/a.jpeg', patient: 'p1', label: 0, prob: 0.2 },
      { path: 'test/PNEUMONIA/b.jpeg', patient: 'p2', label: 1, prob: 0.9 },
    ]);
    expect(got.ignoredColumns).toEqual(['label']);
  });

  it('accepts a BOM, CRLF, blank lines and any column order', () => {
    expect(parse('\uFEFFprob,path\r\n\r\n0.1,test/NORMAL/a.jpeg\r\n1,test/PNEUMONIA/b.jpeg\r\n').predictions).toHaveLength(2);
  });

  it('takes paths with the root\'s symbolic links resolved (Path.resolve(), os.path.realpath) as inside the root', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lp-preds-'));
    try {
      const real = join(await realpath(dir), 'disk', 'xray');
      await mkdir(real, { recursive: true });
      await symlink(real, join(dir, 'xray'));
      const file = join(dir, 'preds.csv');
      await writeFile(file, `path,prob\n${real}/test/NORMAL/a.jpeg,0.2\n${join(dir, 'xray')}/test/PNEUMONIA/b.jpeg,0.9\n`);
      const got = await readExternalPredictions(file, { ...expected, root: join(dir, 'xray') });
      expect(got.predictions.map((p) => p.path)).toEqual(['test/NORMAL/a.jpeg', 'test/PNEUMONIA/b.jpeg']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a missing column', 'path,score\ntest/NORMAL/a.jpeg,0.1\n', /preds\.csv:1: the header must name the columns 'path' and 'prob'/],
    ['an image of another split', 'path,prob\ntest/NORMAL/a.jpeg,0.1\ntrain/NORMAL/c.jpeg,0.5\n', /preds\.csv:3: train\/NORMAL\/c\.jpeg is an image of split 'train', not 'test'/],
    ['an image the audit never saw', 'path,prob\ntest/NORMAL/zz.jpeg,0.1\n', /preds\.csv:2: test\/NORMAL\/zz\.jpeg is not an image of the audited dataset/],
    ['a path outside the root', 'path,prob\n../other/a.jpeg,0.1\n', /preds\.csv:2: \.\.\/other\/a\.jpeg is outside the dataset root/],
    ['an absolute path outside the root', 'path,prob\n/etc/passwd,0.1\n', /is outside the dataset root/],
    ['a duplicate', 'path,prob\ntest/NORMAL/a.jpeg,0.1\n\ntest/NORMAL/a.jpeg,0.2\n', /preds\.csv:4: test\/NORMAL\/a\.jpeg appears twice \(first on line 2\)/],
    ['a non-numeric prob', 'path,prob\ntest/NORMAL/a.jpeg,high\n', /preds\.csv:2: prob 'high' of test\/NORMAL\/a\.jpeg is not a number in \[0, 1\]/],
    ['a prob above 1', 'path,prob\ntest/NORMAL/a.jpeg,1.5\n', /not a number in \[0, 1\]/],
    ['a NaN prob', 'path,prob\ntest/NORMAL/a.jpeg,NaN\n', /not a number in \[0, 1\]/],
    ['a hexadecimal prob (Number() would read 0x1 as 1)', 'path,prob\ntest/NORMAL/a.jpeg,0x1\n', /prob '0x1' of test\/NORMAL\/a\.jpeg is not a number in \[0, 1\]/],
    ['an empty prob', 'path,prob\ntest/NORMAL/a.jpeg,\n', /prob '' of/],
    ['a missing image', 'path,prob\ntest/NORMAL/a.jpeg,0.1\n', /preds\.csv: misses 1 of the 2 images of split 'test' \(test\/PNEUMONIA\/b\.jpeg\)/],
    ['a ragged row', 'path,prob\ntest/NORMAL/a.jpeg\n', /preds\.csv:2: not a valid CSV file/],
    ['an empty file', '', /preds\.csv:1: the header must name/],
  ])('refuses %s with the file, line and a fix (exit 1)', (_what, text, message) => {
    const r = refusal(text);
    expect(r.message).toMatch(message);
    expect(r.hint).toBeTruthy();
    expect(r.problemFound).toBe(true); // the CLI maps ProblemFoundError to exit 1
  });
});
