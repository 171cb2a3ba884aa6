import { describe, expect, it } from 'vitest';
import { plotClassesOf } from './plot-classes.js';

const images = [
  { path: 'a', label: 'EFFUSION' },
  { path: 'b', label: 'No Finding' },
  { path: 'c', label: 'Atelectasis' },
];
const pred = (path: string, label: 0 | 1) => ({ path, patient: path, label, prob: 0.5 });

describe('plotClassesOf', () => {
  it('names the positive class and the one other label the run was scored on', () => {
    expect(plotClassesOf(images, [pred('a', 1), pred('b', 0)])).toEqual({ positive: 'EFFUSION', negative: 'No Finding' });
  });

  it("calls several negative labels 'not <positive>'", () => {
    expect(plotClassesOf(images, [pred('a', 1), pred('b', 0), pred('c', 0)])).toEqual({ positive: 'EFFUSION', negative: 'not EFFUSION' });
  });

  it('leaves the default names when no positive image was scored', () => {
    expect(plotClassesOf(images, [pred('b', 0)])).toBeUndefined();
  });
});
