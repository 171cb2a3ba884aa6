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
  border?: number;
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
  /** outside the source image is black instead of the repeated edge */
  blackBorder?: boolean;
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
  if (!hasExtras(config)) return withBorder(rng, config, base);
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
  return withBorder(rng, config, { ...base, gamma, blurSigma, noiseStd, noiseSeed, erase: eraseOn ? { x, y, w, h, value } : null });
}

/** The border draw comes last and only when it is on, so configs without it keep every other draw as it was. */
function withBorder(rng: Rng, config: AugmentationConfig, params: AugmentParams): AugmentParams {
  if ((config.border ?? 0) === 0) return params;
  return { ...params, blackBorder: rng.next() < config.border! };
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
 * clamping (black outside the image with `blackBorder`), then brightness/contrast clipped to [0, 1], then
 * normalisation; writes size*size floats into `out` at `outOffset`. Works on the raw Uint8 cache so no float copy of the dataset is ever kept. Gamma is applied
 * to the 256 source levels before resampling: one pow per level instead of one per output pixel, which made
 * it most of the augmentation's cost (data-parallel threads pay that cost inside their step).
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
  const gamma = params.gamma ?? 1;
  for (let i = 0; i < 256; i++) levels[i] = gamma === 1 ? i : 255 * (i / 255) ** gamma;
  warp(src, srcOffset, size, params, norm, out, outOffset);
  degrade(out, outOffset, size, params, norm);
}

/** Source level → value on the 0..255 scale after gamma (the identity when gamma = 1). */
const levels = new Float64Array(256);

function warp(src: Uint8Array, srcOffset: number, size: number, params: AugmentParams, norm: Normalisation, out: Float32Array, outOffset: number): void {
  const c = (size - 1) / 2;
  const cos = Math.cos(params.angleRad) / params.scale;
  const sin = Math.sin(params.angleRad) / params.scale;
  const max = size - 1;
  const invStd = 1 / norm.std;
  const { contrast, brightness, flip, tx } = params;
  // what a black source pixel becomes after contrast, brightness and normalisation (blackBorder only)
  const blackValue = params.blackBorder === true ? (clamp(0.5 - 0.5 * contrast + brightness, 0, 1) - norm.mean) * invStd : null;
  const identityWarp = params.angleRad === 0 && params.scale === 1 && params.tx === 0 && params.ty === 0 && !flip;
  for (let y = 0; y < size; y++) {
    const dy = y - c - params.ty;
    const sinDy = sin * dy;
    const cosDy = cos * dy;
    const row = outOffset + y * size;
    for (let x = 0; x < size; x++) {
      let v: number;
      if (identityWarp) {
        v = levels[src[srcOffset + y * size + x]!]! / 255;
      } else {
        // inverse map: output pixel → source position
        const dx = (flip ? max - x : x) - c - tx;
        let sx = cos * dx + sinDy + c;
        let sy = -sin * dx + cosDy + c;
        if (blackValue !== null && (sx < 0 || sx > max || sy < 0 || sy > max)) {
          out[row + x] = blackValue;
          continue;
        }
        sx = sx < 0 ? 0 : sx > max ? max : sx;
        sy = sy < 0 ? 0 : sy > max ? max : sy;
        const x0 = sx | 0;
        const y0 = sy | 0;
        const x1 = x0 < max ? x0 + 1 : x0;
        const y1 = y0 < max ? y0 + 1 : y0;
        const fx = sx - x0;
        const fy = sy - y0;
        const row0 = srcOffset + y0 * size;
        const row1 = srcOffset + y1 * size;
        const a = levels[src[row0 + x0]!]!;
        const b = levels[src[row1 + x0]!]!;
        const top = a + (levels[src[row0 + x1]!]! - a) * fx;
        const bottom = b + (levels[src[row1 + x1]!]! - b) * fx;
        v = (top + (bottom - top) * fy) / 255;
      }
      v = (v - 0.5) * contrast + 0.5 + brightness;
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      out[row + x] = (v - norm.mean) * invStd;
    }
  }
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
    const scale = params.noiseStd! / norm.std;
    for (let i = 0; i < view.length; i++) {
      // mulberry32: cheap, seeded, per image; its top 12 bits pick a normal quantile
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const v = view[i]! + scale * NORMAL_QUANTILES[(t ^ (t >>> 14)) >>> 20]!;
      view[i] = v < lo ? lo : v > hi ? hi : v;
    }
  }
  const box = params.erase;
  if (box) {
    const fill = (box.value - norm.mean) / norm.std;
    for (let y = box.y; y < box.y + box.h; y++) view.fill(fill, y * size + box.x, y * size + box.x + box.w);
  }
}

/** Standard normal quantiles at the centres of 4096 equal-probability bins: noise without a log/sqrt/cos per pixel. */
const NORMAL_QUANTILES = Float64Array.from({ length: 4096 }, (_, i) => normalQuantile((i + 0.5) / 4096));

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  const tail = (q: number) => poly(c, q) / (poly(d, q) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

let blurScratch = new Float32Array(0);

/** Separable Gaussian blur (radius 2σ, edges clamped) in place; index clamping only near the borders. */
function gaussianBlur(img: Float32Array, size: number, sigma: number): void {
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const raw = Array.from({ length: 2 * radius + 1 }, (_, i) => Math.exp(-((i - radius) ** 2) / (2 * sigma * sigma)));
  const sum = raw.reduce((a, b) => a + b, 0);
  const kernel = Float64Array.from(raw, (v) => v / sum);
  if (blurScratch.length < img.length) blurScratch = new Float32Array(img.length);
  const tmp = blurScratch;
  const max = size - 1;
  for (let y = 0; y < size; y++) {
    const row = y * size;
    for (let x = 0; x < size; x++) {
      let acc = 0;
      if (x >= radius && x + radius <= max) for (let k = 0; k <= 2 * radius; k++) acc += kernel[k]! * img[row + x - radius + k]!;
      else for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * img[row + clamp(x + k, 0, max)]!;
      tmp[row + x] = acc;
    }
  }
  for (let y = 0; y < size; y++) {
    const inner = y >= radius && y + radius <= max;
    for (let x = 0; x < size; x++) {
      let acc = 0;
      if (inner) for (let k = 0; k <= 2 * radius; k++) acc += kernel[k]! * tmp[(y - radius + k) * size + x]!;
      else for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * tmp[clamp(y + k, 0, max) * size + x]!;
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
