import type { Rng } from '../rng.js';
import type { IntensityMode } from './intensity.js';

export interface AugmentationConfig {
  rotateDeg: number;
  zoom: number;
  shift: number;
  brightness: number;
  contrast: number;
  hflip: boolean;
  /** photometric/degradation extras, 0 = off; drawn only when one is on (keeps old streams bit-identical) */
  gamma?: number;
  blur?: number;
  noise?: number;
  erase?: number;
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
  /** optional extras (absent = identity): v ← v^gamma, Gaussian blur sigma in px, noise std on [0, 1], a filled box */
  gamma?: number;
  blurSigma?: number;
  noiseStd?: number;
  noiseSeed?: number;
  erase?: { x: number; y: number; w: number; h: number; value: number } | null;
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
  const base = { angleRad: angle, scale, tx, ty, flip, brightness, contrast };
  if (!hasExtras(config)) return base;
  // extras: again a fixed number of draws per image whenever any extra is on
  const gamma = Math.exp(rng.uniform(-1, 1) * Math.log(1 + (config.gamma ?? 0)));
  const blurSigma = rng.next() * (config.blur ?? 0);
  const noiseStd = rng.next() * (config.noise ?? 0);
  const noiseSeed = rng.nextUint32();
  const eraseOn = rng.next() < (config.erase ?? 0);
  const w = Math.max(1, Math.round(size * rng.uniform(0.05, 0.15)));
  const h = Math.max(1, Math.round(size * rng.uniform(0.05, 0.15)));
  const x = Math.floor(rng.next() * (size - w));
  const y = Math.floor(rng.next() * (size - h));
  const value = rng.next() < 0.7 ? 1 : 0;
  return { ...base, gamma, blurSigma, noiseStd, noiseSeed, erase: eraseOn ? { x, y, w, h, value } : null };
}

export function hasExtras(config: AugmentationConfig): boolean {
  return (config.gamma ?? 0) > 0 || (config.blur ?? 0) > 0 || (config.noise ?? 0) > 0 || (config.erase ?? 0) > 0;
}

/**
 * How a decoded image becomes the network input at inference; recorded with the model (preprocessing.json)
 * so prediction repeats exactly what training did.
 */
export interface Normalisation {
  /** mean and std of training pixels on the [0, 1] scale (after the intensity mode) */
  mean: number;
  std: number;
  /** per-image intensity normalisation applied at decode (absent = 'none') */
  intensity?: IntensityMode;
  /** test-time augmentation: predictions average this many deterministic views (absent = 1) */
  tta?: number;
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
  const gamma = params.gamma ?? 1;
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
      if (gamma !== 1) v = v ** gamma;
      v = (v - 0.5) * params.contrast + 0.5 + params.brightness;
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      out[outOffset + y * size + x] = (v - norm.mean) * invStd;
    }
  }
  degrade(out, outOffset, size, params, norm);
}

/**
 * Blur, noise and a burned-in box on the normalised output; blur is linear, so blurring normalised values
 * equals normalising blurred ones. Values stay inside the normalised image of [0, 1].
 */
function degrade(out: Float32Array, offset: number, size: number, params: AugmentParams, norm: Normalisation): void {
  const view = out.subarray(offset, offset + size * size);
  if ((params.blurSigma ?? 0) >= 0.3) gaussianBlur(view, size, params.blurSigma!);
  const lo = -norm.mean / norm.std;
  const hi = (1 - norm.mean) / norm.std;
  if ((params.noiseStd ?? 0) > 0) {
    let state = params.noiseSeed! >>> 0;
    const uniform = () => {
      // mulberry32: cheap, seeded, per image
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    };
    const scale = params.noiseStd! / norm.std;
    for (let i = 0; i < view.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const a = 2 * Math.PI * uniform();
      view[i] = clamp(view[i]! + scale * r * Math.cos(a), lo, hi);
      if (i + 1 < view.length) view[i + 1] = clamp(view[i + 1]! + scale * r * Math.sin(a), lo, hi);
    }
  }
  const box = params.erase;
  if (box) {
    const fill = (box.value - norm.mean) / norm.std;
    for (let y = box.y; y < box.y + box.h; y++) view.fill(fill, y * size + box.x, y * size + box.x + box.w);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Separable Gaussian blur (radius 2σ, edges clamped) in place. */
function gaussianBlur(img: Float32Array, size: number, sigma: number): void {
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const raw = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = raw.reduce((a, b) => a + b, 0);
  const kernel = raw.map((v) => v / sum);
  const tmp = new Float32Array(img.length);
  const max = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * img[y * size + Math.min(max, Math.max(0, x + k))]!;
      tmp[y * size + x] = acc;
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * tmp[Math.min(max, Math.max(0, y + k)) * size + x]!;
      img[y * size + x] = acc;
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
