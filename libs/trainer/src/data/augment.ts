import type { Rng } from '../rng.js';

export interface AugmentationConfig {
  rotateDeg: number;
  zoom: number;
  shift: number;
  brightness: number;
  contrast: number;
  hflip: boolean;
}

/** One image's random draw, made on the training thread so workers only execute it. */
export interface AugmentParams {
  angleRad: number;
  scale: number;
  /** shift in pixels */
  tx: number;
  ty: number;
  flip: boolean;
  /** additive, on the [0, 1] scale */
  brightness: number;
  /** multiplicative, around 0.5 */
  contrast: number;
}

export const IDENTITY_AUGMENT: AugmentParams = { angleRad: 0, scale: 1, tx: 0, ty: 0, flip: false, brightness: 0, contrast: 1 };

export function drawAugmentParams(rng: Rng, config: AugmentationConfig, size: number): AugmentParams {
  // a fixed number of draws per image keeps streams aligned whatever the config enables
  const angle = rng.uniform(-1, 1) * config.rotateDeg * (Math.PI / 180);
  const scale = 1 + rng.uniform(-1, 1) * config.zoom;
  const tx = rng.uniform(-1, 1) * config.shift * size;
  const ty = rng.uniform(-1, 1) * config.shift * size;
  const flip = config.hflip && rng.next() < 0.5;
  const brightness = rng.uniform(-1, 1) * config.brightness;
  const contrast = 1 + rng.uniform(-1, 1) * config.contrast;
  return { angleRad: angle, scale, tx, ty, flip, brightness, contrast };
}

export interface Normalisation {
  /** mean and std of training pixels on the [0, 1] scale */
  mean: number;
  std: number;
}

/**
 * Affine warp (rotation about the centre, zoom, shift, optional flip) with bilinear sampling and edge
 * clamping, then brightness/contrast clipped to [0, 1], then normalisation; writes size*size floats into `out`
 * at `outOffset`. Works on the raw Uint8 cache so no float copy of the dataset is ever kept.
 */
export function augmentInto(
  src: Uint8Array,
  srcOffset: number,
  size: number,
  params: AugmentParams,
  norm: Normalisation,
  out: Float32Array,
  outOffset: number,
): void {
  const c = (size - 1) / 2;
  const cos = Math.cos(params.angleRad) / params.scale;
  const sin = Math.sin(params.angleRad) / params.scale;
  const max = size - 1;
  const invStd = 1 / norm.std;
  const identityWarp = params.angleRad === 0 && params.scale === 1 && params.tx === 0 && params.ty === 0 && !params.flip;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v: number;
      if (identityWarp) {
        v = src[srcOffset + y * size + x]! / 255;
      } else {
        // inverse map: output pixel → source position
        const dx = (params.flip ? max - x : x) - c - params.tx;
        const dy = y - c - params.ty;
        let sx = cos * dx + sin * dy + c;
        let sy = -sin * dx + cos * dy + c;
        sx = sx < 0 ? 0 : sx > max ? max : sx;
        sy = sy < 0 ? 0 : sy > max ? max : sy;
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const x1 = x0 < max ? x0 + 1 : x0;
        const y1 = y0 < max ? y0 + 1 : y0;
        const fx = sx - x0;
        const fy = sy - y0;
        const row0 = srcOffset + y0 * size;
        const row1 = srcOffset + y1 * size;
        const top = src[row0 + x0]! + (src[row0 + x1]! - src[row0 + x0]!) * fx;
        const bottom = src[row1 + x0]! + (src[row1 + x1]! - src[row1 + x0]!) * fx;
        v = (top + (bottom - top) * fy) / 255;
      }
      v = (v - 0.5) * params.contrast + 0.5 + params.brightness;
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      out[outOffset + y * size + x] = (v - norm.mean) * invStd;
    }
  }
}

/** Mean/std over every pixel of the given cached images (the training split only). */
export function fitNormalisation(cache: Uint8Array, size: number, indices: readonly number[]): Normalisation {
  const pixels = size * size;
  let sum = 0;
  let sumSq = 0;
  for (const index of indices) {
    const base = index * pixels;
    let s = 0;
    let sq = 0;
    for (let i = 0; i < pixels; i++) {
      const v = cache[base + i]!;
      s += v;
      sq += v * v;
    }
    sum += s;
    sumSq += sq;
  }
  const n = Math.max(1, indices.length * pixels);
  const mean = sum / n / 255;
  const variance = Math.max(0, sumSq / n / 65025 - mean * mean);
  return { mean, std: Math.max(Math.sqrt(variance), 1e-3) };
}
