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

/** Column sample positions of one evaluation, reused across calls (this runs on one thread). */
const scratch = { xs: new Int32Array(0), x0: new Int32Array(0), fx: new Float64Array(0), gx: new Float64Array(0) };

/**
 * Pearson correlation between the central window of `b` and `a` resampled bilinearly under the map
 * u → c + scale·(u − c) + shift (pixels of the thumbnail). The window stays inside both images for the searched range.
 * The column positions and weights do not depend on the row, so they are computed once per call; every value
 * and every sum is the same double, in the same order, as sampling each pixel from scratch.
 */
function correlationAt(a: Thumb, b: Thumb, scale: number, sx: number, sy: number, margin: number): number {
  const s = b.size;
  const c = (s - 1) / 2;
  if (scratch.xs.length < s) {
    scratch.xs = new Int32Array(s);
    scratch.x0 = new Int32Array(s);
    scratch.fx = new Float64Array(s);
    scratch.gx = new Float64Array(s);
  }
  const { xs, x0: x0s, fx: fxs, gx: gxs } = scratch;
  let columns = 0;
  for (let x = margin; x < s - margin; x++) {
    const ax = c + scale * (x - c) + sx;
    if (ax < 0 || ax > s - 1.001) continue;
    const x0 = Math.floor(ax);
    const fx = ax - x0;
    xs[columns] = x;
    x0s[columns] = x0;
    fxs[columns] = fx;
    gxs[columns] = 1 - fx;
    columns++;
  }
  const da = a.data;
  const db = b.data;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
  for (let y = margin; y < s - margin; y++) {
    const ay = c + scale * (y - c) + sy;
    if (ay < 0 || ay > s - 1.001) continue;
    const y0 = Math.floor(ay);
    const fy = ay - y0;
    const gy = 1 - fy;
    const rowA = y0 * s;
    const rowB = y * s;
    for (let k = 0; k < columns; k++) {
      const i = rowA + (x0s[k] as number);
      const fx = fxs[k] as number;
      const gx = gxs[k] as number;
      const va = ((da[i] as number) * gx + (da[i + 1] as number) * fx) * gy + ((da[i + s] as number) * gx + (da[i + s + 1] as number) * fx) * fy;
      const vb = db[rowB + (xs[k] as number)] as number;
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
  // hill climbing re-evaluates the point it came from and, after a step halves, earlier neighbours
  const seen = new Map<string, number>();
  const correlation = (scale: number, sx: number, sy: number): number => {
    const key = `${scale} ${sx} ${sy}`;
    let r = seen.get(key);
    if (r === undefined) {
      r = correlationAt(a, b, scale, sx, sy, margin);
      seen.set(key, r);
    }
    return r;
  };
  let best = -1;
  for (const start of new Set([1, ...startScales])) {
    let at = { scale: Math.min(1 + options.maxScale, Math.max(1 - options.maxScale, start)), sx: 0, sy: 0 };
    let r = correlation(at.scale, at.sx, at.sy);
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
        const rn = correlation(next.scale, next.sx, next.sy);
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
