import { uniform, type Rng } from './rng.js';

/**
 * A patient's "anatomy": a smooth random field of Gaussian blobs plus a tilted gradient. Each patient
 * gets an independent field, so blockhash codes of different patients differ in about half their bits,
 * while images of one patient share the field and differ only by small shifts and noise.
 */
export interface Blob {
  cx: number;
  cy: number;
  sigma: number;
  amplitude: number;
}

export interface PatientField {
  blobs: Blob[];
  gx: number;
  gy: number;
}

export function randomField(rng: Rng, blobCount = 12): PatientField {
  const blobs: Blob[] = [];
  for (let i = 0; i < blobCount; i++) {
    blobs.push({
      cx: uniform(rng, -0.1, 1.1),
      cy: uniform(rng, -0.1, 1.1),
      sigma: uniform(rng, 0.06, 0.28),
      amplitude: uniform(rng, 0.3, 1) * (rng() < 0.5 ? -1 : 1),
    });
  }
  return { blobs, gx: uniform(rng, -0.8, 0.8), gy: uniform(rng, -0.8, 0.8) };
}

/**
 * Renders one view of a patient: the shared field, shifted, plus view-specific blobs strong enough that
 * two views of one patient are clearly different images (as two radiographs of a child are), so the only
 * near-duplicates in a generated dataset are the planted ones.
 */
export function renderView(field: PatientField, rng: Rng, size: number, variation: number): Uint8Array {
  const dx = uniform(rng, -0.05, 0.05) * variation;
  const dy = uniform(rng, -0.05, 0.05) * variation;
  const extra: Blob[] = [];
  for (let i = 0; i < 6; i++) {
    extra.push({ cx: rng(), cy: rng(), sigma: uniform(rng, 0.08, 0.2), amplitude: uniform(rng, 0.4, 0.8) * (rng() < 0.5 ? -1 : 1) * variation });
  }
  const blobs = [...field.blobs, ...extra];
  const values = new Float32Array(size * size);
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < size; y++) {
    const v = y / size + dy;
    for (let x = 0; x < size; x++) {
      const u = x / size + dx;
      let s = field.gx * u + field.gy * v;
      for (const b of blobs) {
        const ex = u - b.cx;
        const ey = v - b.cy;
        s += b.amplitude * Math.exp(-(ex * ex + ey * ey) / (2 * b.sigma * b.sigma));
      }
      values[y * size + x] = s;
      if (s < min) min = s;
      if (s > max) max = s;
    }
  }
  const out = new Uint8Array(size * size);
  const span = max - min || 1;
  for (let i = 0; i < values.length; i++) {
    const noise = (rng() + rng() + rng() - 1.5) * 6;
    const g = 20 + (((values[i] as number) - min) / span) * 215 + noise;
    out[i] = g < 0 ? 0 : g > 255 ? 255 : Math.round(g);
  }
  return out;
}
