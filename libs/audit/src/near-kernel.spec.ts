import { describe, expect, it } from 'vitest';
import { summedArea } from './hash-worker-kernel.mjs';
import { canonicalView, compareViews, contentBox, equalise, nearRecord, VIEW_SIZE } from './near-kernel.mjs';
import { fakeRadiograph } from './test-images.js';

// The kernels compute their outputs through shared integral lattices, a bucket sort and precomputed tables;
// these are the straightforward versions they replaced (per-cell integrals, a comparator sort). Stored hashes
// and scores stay valid only while both give the same bytes.

function integralAt(sat: { table: Float64Array; width: number; height: number }, x: number, y: number): number {
  const w1 = sat.width + 1;
  const x0 = Math.min(sat.width - 1, Math.floor(x));
  const y0 = Math.min(sat.height - 1, Math.floor(y));
  const fx = x - x0;
  const fy = y - y0;
  const t = sat.table;
  return (t[y0 * w1 + x0] as number) * (1 - fx) * (1 - fy) + (t[y0 * w1 + x0 + 1] as number) * fx * (1 - fy) + (t[(y0 + 1) * w1 + x0] as number) * (1 - fx) * fy + (t[(y0 + 1) * w1 + x0 + 1] as number) * fx * fy;
}

function referenceEqualise(values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1] as number] === values[order[i] as number]) j++;
    const v = Math.round(((i + j) / 2 / (n - 1)) * 255);
    for (let k = i; k <= j; k++) out[order[k] as number] = v;
    i = j + 1;
  }
  return out;
}

function referenceView(image: { data: Uint8Array; width: number; height: number }): Uint8Array {
  const sat = summedArea(image);
  const box = contentBox(image);
  const s = VIEW_SIZE;
  const raw = new Float64Array(s * s);
  const sx = box.width / s;
  const sy = box.height / s;
  for (let y = 0; y < s; y++) {
    const y0 = box.top + y * sy;
    const y1 = y0 + sy;
    for (let x = 0; x < s; x++) {
      const x0 = box.left + x * sx;
      const x1 = x0 + sx;
      raw[y * s + x] = (integralAt(sat, x1, y1) - integralAt(sat, x0, y1) - integralAt(sat, x1, y0) + integralAt(sat, x0, y0)) / (sx * sy);
    }
  }
  return referenceEqualise(raw);
}

/** A radiograph-like image of any shape, with a flat border on some sides (so trimming gives odd boxes). */
function image(width: number, height: number, seed: number, pad: number): { data: Uint8Array; width: number; height: number } {
  const side = Math.max(width, height);
  const field = fakeRadiograph(seed, side);
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = x < pad || y >= height - pad ? 0 : (field[y * side + x] as number);
  return { data, width, height };
}

describe('near-duplicate kernel', () => {
  it('ranks like a comparator sort, ties included', () => {
    let s = 7;
    const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    for (const n of [1, 2, 3, 16, 256, 4096]) {
      for (const kind of ['spread', 'ties', 'tiny', 'constant', 'crowded']) {
        const values = Float64Array.from({ length: n }, (_, i) =>
          kind === 'spread' ? rand() * 255 : kind === 'ties' ? Math.round(rand() * 4) : kind === 'tiny' ? (rand() < 0.5 ? 0 : rand() * 1e-9) : kind === 'constant' ? 7 : (i % 3) + (rand() - 0.5) * 1e-12,
        );
        expect(equalise(values), `${kind} n=${n}`).toEqual(referenceEqualise(values));
      }
    }
  });

  it('makes the same canonical view as per-cell integrals, on even, odd, tiny and padded shapes', () => {
    for (const [w, h, pad] of [[224, 224, 0], [224, 224, 9], [173, 211, 5], [512, 300, 40], [40, 33, 0], [64, 64, 0]] as const) {
      const img = image(w, h, w + h, pad);
      expect(canonicalView(img, summedArea(img)), `${w}×${h} pad ${pad}`).toEqual(referenceView(img));
    }
  });

  it('gives the same record when the summed-area table is built in reused scratch', () => {
    const a = image(224, 224, 3, 6);
    const b = image(181, 203, 4, 0);
    const fresh = [nearRecord(a, summedArea(a)), nearRecord(b, summedArea(b))];
    const scratch = new Float64Array(300 * 300).fill(5);
    expect(nearRecord(a, summedArea(a, scratch))).toEqual(fresh[0]);
    expect(nearRecord(b, summedArea(b, scratch))).toEqual(fresh[1]);
  });

  it('scores a view against itself ~1 and against another radiograph clearly lower', () => {
    const a = image(224, 224, 11, 0);
    const b = image(224, 224, 12, 0);
    const va = canonicalView(a, summedArea(a));
    const vb = canonicalView(b, summedArea(b));
    expect(compareViews(va, va)).toBeGreaterThan(0.999);
    expect(compareViews(va, vb)).toBeLessThan(0.95);
  });
});
