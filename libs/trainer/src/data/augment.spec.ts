import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.js';
import { augmentInto, drawAugmentParams, fitNormalisation, IDENTITY_AUGMENT } from './augment.js';

const size = 24;
const config = { rotateDeg: 10, zoom: 0.1, shift: 0.1, brightness: 0.2, contrast: 0.2, hflip: false };
const image = Uint8Array.from({ length: size * size }, (_, i) => (i * 37) % 256);
const norm = { mean: 0.5, std: 0.25 };

function augmented(seed: number): Float32Array {
  const rng = Rng.fromSeed(seed, 'augment');
  const out = new Float32Array(size * size);
  augmentInto(image, 0, size, drawAugmentParams(rng, config, size), norm, out, 0);
  return out;
}

describe('augmentation', () => {
  it('keeps the shape and the normalised [0, 1] range', () => {
    for (let seed = 0; seed < 20; seed++) {
      const out = augmented(seed);
      expect(out.length).toBe(size * size);
      for (const v of out) {
        expect(v).toBeGreaterThanOrEqual((0 - norm.mean) / norm.std - 1e-6);
        expect(v).toBeLessThanOrEqual((1 - norm.mean) / norm.std + 1e-6);
      }
    }
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(augmented(7)).toEqual(augmented(7));
    expect(augmented(7)).not.toEqual(augmented(8));
  });

  it('with identity parameters only normalises', () => {
    const out = new Float32Array(size * size);
    augmentInto(image, 0, size, IDENTITY_AUGMENT, norm, out, 0);
    out.forEach((v, i) => expect(v).toBeCloseTo((image[i]! / 255 - 0.5) / 0.25, 5));
  });

  it('never flips unless hflip is on, and keeps draws aligned either way', () => {
    for (let seed = 0; seed < 30; seed++) {
      expect(drawAugmentParams(Rng.fromSeed(seed), config, size).flip).toBe(false);
    }
    const flips = Array.from({ length: 40 }, (_, seed) => drawAugmentParams(Rng.fromSeed(seed), { ...config, hflip: true }, size).flip);
    expect(flips).toContain(true);
    expect(flips).toContain(false);
  });

  it('a pure horizontal flip mirrors each row', () => {
    const out = new Float32Array(size * size);
    augmentInto(image, 0, size, { ...IDENTITY_AUGMENT, flip: true }, { mean: 0, std: 1 }, out, 0);
    expect(out[0]).toBeCloseTo(image[size - 1]! / 255, 5);
    expect(out[size + 3]).toBeCloseTo(image[size + size - 4]! / 255, 5);
  });

  it('fits normalisation only on the given images', () => {
    const cache = new Uint8Array(2 * 4);
    cache.fill(255, 0, 4);
    cache.fill(0, 4, 8);
    expect(fitNormalisation(cache, 2, [0]).mean).toBeCloseTo(1);
    expect(fitNormalisation(cache, 2, [0, 1])).toEqual({ mean: 0.5, std: 0.5 });
  });
});

describe('black border', () => {
  const shrink = { ...IDENTITY_AUGMENT, scale: 0.8 };
  const white = new Uint8Array(size * size).fill(255);

  it('fills what lies outside the source with black when drawn, and repeats the edge otherwise', () => {
    const black = new Float32Array(size * size);
    const edge = new Float32Array(size * size);
    augmentInto(white, 0, size, { ...shrink, blackBorder: true }, norm, black, 0);
    augmentInto(white, 0, size, shrink, norm, edge, 0);
    const low = (0 - norm.mean) / norm.std;
    const high = (1 - norm.mean) / norm.std;
    expect(black[0]).toBeCloseTo(low, 5);
    expect(black[(size / 2) * size + size / 2]).toBeCloseTo(high, 5);
    expect(Array.from(edge).every((v) => Math.abs(v - high) < 1e-5)).toBe(true);
  });

  it('is drawn last and only when on, so other draws keep their values', () => {
    const off = drawAugmentParams(Rng.fromSeed(4, 'augment'), { ...config, erase: 0.5 }, size);
    const on = drawAugmentParams(Rng.fromSeed(4, 'augment'), { ...config, erase: 0.5, border: 1 }, size);
    expect(off).not.toHaveProperty('blackBorder');
    expect(on).toEqual({ ...off, blackBorder: true });
  });
});

describe('augmentation extras (gamma, blur, noise, burned-in box)', () => {
  const extras = { ...config, gamma: 0.3, blur: 1.5, noise: 0.05, erase: 1 };

  it('draw nothing extra when off, so the default streams stay as they were', () => {
    const a = Rng.fromSeed(3, 'augment');
    const b = Rng.fromSeed(3, 'augment');
    const plain = drawAugmentParams(a, config, size);
    const zeroed = drawAugmentParams(b, { ...config, gamma: 0, blur: 0, noise: 0, erase: 0 }, size);
    expect(zeroed).toEqual(plain);
    expect(a.next()).toBe(b.next());
    expect(plain).not.toHaveProperty('gamma');
  });

  it('are deterministic per seed, stay in the normalised range, and change the image', () => {
    const run = (seed: number) => {
      const params = drawAugmentParams(Rng.fromSeed(seed, 'augment'), extras, size);
      const out = new Float32Array(size * size);
      augmentInto(image, 0, size, params, norm, out, 0);
      return { params, out };
    };
    const a = run(11);
    expect(run(11).out).toEqual(a.out);
    expect(a.params.erase).not.toBeNull();
    for (const v of a.out) {
      expect(v).toBeGreaterThanOrEqual((0 - norm.mean) / norm.std - 1e-5);
      expect(v).toBeLessThanOrEqual((1 - norm.mean) / norm.std + 1e-5);
    }
    const plain = new Float32Array(size * size);
    augmentInto(image, 0, size, { ...a.params, gamma: 1, blurSigma: 0, noiseStd: 0, erase: null }, norm, plain, 0);
    expect(plain).not.toEqual(a.out);
  });

  it('blur keeps a constant image constant', () => {
    const flat = new Uint8Array(size * size).fill(128);
    const out = new Float32Array(size * size);
    augmentInto(flat, 0, size, { ...IDENTITY_AUGMENT, blurSigma: 2 }, norm, out, 0);
    for (const v of out) expect(v).toBeCloseTo((128 / 255 - norm.mean) / norm.std, 5);
  });

  it('gamma maps each source level v to v^gamma', () => {
    const levels = Uint8Array.from({ length: 256 }, (_, i) => i);
    const out = new Float32Array(256);
    augmentInto(levels, 0, 16, { ...IDENTITY_AUGMENT, gamma: 0.7 }, { mean: 0, std: 1 }, out, 0);
    out.forEach((v, i) => expect(v).toBeCloseTo((i / 255) ** 0.7, 6));
  });

  it('noise has the drawn standard deviation and no bias', () => {
    const side = 128;
    const grey = new Uint8Array(side * side).fill(128);
    const out = new Float32Array(side * side);
    augmentInto(grey, 0, side, { ...IDENTITY_AUGMENT, noiseStd: 0.02, noiseSeed: 42 }, { mean: 0, std: 1 }, out, 0);
    const mean = out.reduce((a, v) => a + v, 0) / out.length;
    const std = Math.sqrt(out.reduce((a, v) => a + (v - mean) ** 2, 0) / out.length);
    expect(mean).toBeCloseTo(128 / 255, 3);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
  });

  it('without gamma, the warp is bit for bit the per-pixel bilinear formula (older runs stay reproducible)', () => {
    const params = drawAugmentParams(Rng.fromSeed(4, 'augment'), { ...config, hflip: true }, size);
    const out = new Float32Array(size * size);
    augmentInto(image, 0, size, params, norm, out, 0);
    expect(out).toEqual(referenceWarp(params));
  });
});

/** The original per-pixel warp (no extras), kept as the reference the faster one must match exactly. */
function referenceWarp(params: ReturnType<typeof drawAugmentParams>): Float32Array {
  const out = new Float32Array(size * size);
  const c = (size - 1) / 2;
  const cos = Math.cos(params.angleRad) / params.scale;
  const sin = Math.sin(params.angleRad) / params.scale;
  const max = size - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (params.flip ? max - x : x) - c - params.tx;
      const dy = y - c - params.ty;
      const sx = Math.min(max, Math.max(0, cos * dx + sin * dy + c));
      const sy = Math.min(max, Math.max(0, -sin * dx + cos * dy + c));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(max, x0 + 1);
      const y1 = Math.min(max, y0 + 1);
      const at = (yy: number, xx: number) => image[yy * size + xx]!;
      const top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * (sx - x0);
      const bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * (sx - x0);
      let v = (top + (bottom - top) * (sy - y0)) / 255;
      v = Math.min(1, Math.max(0, (v - 0.5) * params.contrast + 0.5 + params.brightness));
      out[y * size + x] = (v - norm.mean) * (1 / norm.std);
    }
  }
  return out;
}
