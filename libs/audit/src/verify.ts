import { decodeGray } from '@leakproof/ingest';

/** A zero-mean, unit-variance square thumbnail of the whole image (aspect ratio ignored, like a resize would). */
export interface Thumb {
  size: number;
  data: Float32Array;
}

export interface VerifyOptions {
  /** relative scale searched each way, e.g. 0.06 covers crops of up to ~3% per side */
  maxScale: number;
  /** shift searched each way, as a fraction of the side */
  maxShift: number;
}

export const defaultVerifyOptions: VerifyOptions = { maxScale: 0.06, maxShift: 0.05 };
export const THUMB_SIZE = 64;

export function normalise(pixels: ArrayLike<number>, size: number): Thumb {
  const n = size * size;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += pixels[i] as number;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += ((pixels[i] as number) - mean) ** 2;
  const sd = Math.sqrt(variance / n) || 1;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((pixels[i] as number) - mean) / sd;
  return { size, data };
}

export async function loadThumb(path: string, size = THUMB_SIZE, maxPixels?: number): Promise<Thumb> {
  const image = await decodeGray(path, maxPixels === undefined ? { size } : { size, maxPixels });
  return normalise(image.data, size);
}

function sample(t: Thumb, x: number, y: number): number {
  const s = t.size;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const i = y0 * s + x0;
  const d = t.data;
  return (
    ((d[i] as number) * (1 - fx) + (d[i + 1] as number) * fx) * (1 - fy) +
    ((d[i + s] as number) * (1 - fx) + (d[i + s + 1] as number) * fx) * fy
  );
}

/**
 * Pearson correlation between the central window of `b` and `a` resampled under the map
 * u → c + scale·(u − c) + shift (pixels of the thumbnail). The window stays inside both images for the searched range.
 */
function correlationAt(a: Thumb, b: Thumb, scale: number, sx: number, sy: number, margin: number): number {
  const s = b.size;
  const c = (s - 1) / 2;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
  for (let y = margin; y < s - margin; y++) {
    const ay = c + scale * (y - c) + sy;
    if (ay < 0 || ay > s - 1.001) continue;
    for (let x = margin; x < s - margin; x++) {
      const ax = c + scale * (x - c) + sx;
      if (ax < 0 || ax > s - 1.001) continue;
      const va = sample(a, ax, ay);
      const vb = b.data[y * s + x] as number;
      sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb; n++;
    }
  }
  if (n < 16) return -1;
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : -1;
}

/**
 * Max correlation of the two thumbnails over a small search of scale and shift, by hill climbing from each
 * start scale (the crop variant that produced the candidate is a good start) with halving steps.
 * Resizes, re-encodes and brightness/contrast land near 1; crops of a few percent per side are undone by
 * the search; different radiographs stay clearly lower (≤ 0.92 on the Kermany chest X-rays at 64×64).
 */
export function similarity(a: Thumb, b: Thumb, options: VerifyOptions = defaultVerifyOptions, startScales: number[] = [1]): number {
  if (a.size !== b.size) throw new Error('thumbnails must have the same size');
  const s = a.size;
  const margin = Math.ceil(s * (options.maxScale / 2 + options.maxShift)) + 1;
  const maxShift = options.maxShift * s;
  const inRange = (p: { scale: number; sx: number; sy: number }): boolean =>
    Math.abs(p.scale - 1) <= options.maxScale + 1e-9 && Math.abs(p.sx) <= maxShift && Math.abs(p.sy) <= maxShift;
  let best = -1;
  for (const start of new Set([1, ...startScales])) {
    let at = { scale: Math.min(1 + options.maxScale, Math.max(1 - options.maxScale, start)), sx: 0, sy: 0 };
    let r = correlationAt(a, b, at.scale, at.sx, at.sy, margin);
    if (r > 0.995) return r;
    let scaleStep = 0.01;
    let shiftStep = 1;
    while (shiftStep >= 0.125) {
      let moved = false;
      const steps = [
        { scale: at.scale + scaleStep, sx: at.sx, sy: at.sy },
        { scale: at.scale - scaleStep, sx: at.sx, sy: at.sy },
        { scale: at.scale, sx: at.sx + shiftStep, sy: at.sy },
        { scale: at.scale, sx: at.sx - shiftStep, sy: at.sy },
        { scale: at.scale, sx: at.sx, sy: at.sy + shiftStep },
        { scale: at.scale, sx: at.sx, sy: at.sy - shiftStep },
      ];
      for (const next of steps) {
        if (!inRange(next)) continue;
        const rn = correlationAt(a, b, next.scale, next.sx, next.sy, margin);
        if (rn > r + 1e-6) {
          r = rn;
          at = next;
          moved = true;
        }
      }
      if (!moved) {
        scaleStep /= 2;
        shiftStep /= 2;
      }
    }
    best = Math.max(best, r);
  }
  return best;
}
