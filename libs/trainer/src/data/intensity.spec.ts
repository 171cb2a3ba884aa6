import { describe, expect, it } from 'vitest';
import { clahe, equalizeHistogram, normaliseIntensity } from './intensity.js';

const size = 32;
/** a dim, low-contrast gradient with a brighter blob: what an under-exposed radiograph looks like */
const dim = Uint8Array.from({ length: size * size }, (_, i) => {
  const x = i % size;
  const y = Math.floor(i / size);
  return 40 + Math.round((x + y) / 4) + (Math.hypot(x - 16, y - 16) < 6 ? 30 : 0);
});

describe('per-image intensity normalisation', () => {
  it('equalize spreads the histogram over 0..255 and ignores a monotone exposure change', () => {
    const a = dim.slice();
    equalizeHistogram(a);
    expect(Math.min(...a)).toBe(0);
    expect(Math.max(...a)).toBe(255);
    // the same anatomy brighter and with another gamma: identical after equalisation
    const b = dim.map((v) => Math.round(255 * (v / 255) ** 0.6));
    equalizeHistogram(b);
    expect(b).toEqual(a);
  });

  it('clahe raises local contrast without seams, keeps the shape, leaves a flat image flat', () => {
    const a = dim.slice();
    clahe(a, size, size);
    const spread = (img: Uint8Array) => Math.max(...img) - Math.min(...img);
    expect(spread(a)).toBeGreaterThan(spread(dim) * 1.5);
    const flat = new Uint8Array(size * size).fill(90);
    clahe(flat, size, size);
    expect(new Set(flat).size).toBe(1);
  });

  it("'none' leaves the pixels alone; modes act only on their image's slot", () => {
    const two = new Uint8Array(2 * size * size);
    two.set(dim, 0);
    two.set(dim, size * size);
    normaliseIntensity(two, size * size, size, 'equalize');
    expect(two.subarray(0, size * size)).toEqual(dim);
    normaliseIntensity(two, 0, size, 'none');
    expect(two.subarray(0, size * size)).toEqual(dim);
  });
});
