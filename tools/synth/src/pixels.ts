import { uniform, type Rng } from './rng.js';

/**
 * A patient's anatomy, drawn once per patient: the thorax, two lungs with their own size, position and diaphragm
 * dome, the mediastinum and heart, ribs (count, spacing, curvature, phase) and a texture of two random grids at
 * mid frequencies (vessels, soft tissue) that no two patients share. The texture and the shape parameters are
 * what keeps different synthetic children apart after the audit's rank equalisation and alignment search, as the
 * individual anatomy does on real radiographs.
 */
export interface PatientField {
  body: { cx: number; cy: number; rx: number; ry: number };
  lungs: { cx: number; cy: number; rx: number; ry: number; dome: number }[];
  mediastinum: { width: number; heartX: number; heartY: number; heartR: number };
  ribs: { freq: number; curve: number; phase: number; amp: number };
  coarse: Float32Array;
  fine: Float32Array;
  textureAmp: [number, number];
}

const COARSE = 9;
const FINE = 19;

function grid(rng: Rng, side: number): Float32Array {
  return Float32Array.from({ length: side * side }, () => rng() + rng() + rng() - 1.5);
}

export function randomField(rng: Rng): PatientField {
  const cx = uniform(rng, 0.45, 0.55);
  const cy = uniform(rng, 0.5, 0.6);
  const rx = uniform(rng, 0.3, 0.44);
  const ry = uniform(rng, 0.34, 0.46);
  const gap = uniform(rng, 0.06, 0.12);
  const lung = (side: -1 | 1): PatientField['lungs'][number] => ({
    cx: cx + side * (gap + rx * uniform(rng, 0.3, 0.42)),
    cy: cy - ry * uniform(rng, 0.02, 0.16),
    rx: rx * uniform(rng, 0.32, 0.46),
    ry: ry * uniform(rng, 0.62, 0.84),
    dome: uniform(rng, 0.03, 0.12),
  });
  return {
    body: { cx, cy, rx, ry },
    lungs: [lung(-1), lung(1)],
    mediastinum: { width: gap * uniform(rng, 0.8, 1.3), heartX: cx + uniform(rng, 0.02, 0.08), heartY: cy + ry * uniform(rng, 0.2, 0.4), heartR: uniform(rng, 0.1, 0.17) },
    ribs: { freq: uniform(rng, 11, 17), curve: uniform(rng, 0.8, 2.2), phase: uniform(rng, 0, 2 * Math.PI), amp: uniform(rng, 0.05, 0.14) },
    coarse: grid(rng, COARSE),
    fine: grid(rng, FINE),
    textureAmp: [uniform(rng, 0.1, 0.18), uniform(rng, 0.05, 0.1)],
  };
}

/** bilinear lookup of a side×side grid at (u, v) in [0, 1] (clamped) */
function lookup(g: Float32Array, side: number, u: number, v: number): number {
  const x = Math.min(side - 1.001, Math.max(0, u * (side - 1)));
  const y = Math.min(side - 1.001, Math.max(0, v * (side - 1)));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const o = y0 * side + x0;
  const top = (g[o] as number) * (1 - fx) + (g[o + 1] as number) * fx;
  const bottom = (g[o + side] as number) * (1 - fx) + (g[o + side + 1] as number) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** 0 outside, 1 inside, a soft edge of relative width `soft` */
function inside(x: number, y: number, cx: number, cy: number, rx: number, ry: number, soft: number): number {
  const dx = (x - cx) / rx;
  const dy = (y - cy) / ry;
  const f = 1 - dx * dx - dy * dy;
  return f <= 0 ? 0 : f >= soft ? 1 : f / soft;
}

/** the anatomy's attenuation at (u, v) of the patient's frame (brighter = denser, as on a radiograph) */
function attenuation(p: PatientField, u: number, v: number): number {
  const { body, mediastinum: m, ribs } = p;
  const inBody = inside(u, v, body.cx, body.cy, body.rx, body.ry * 1.25, 0.25);
  let lungs = 0;
  for (const l of p.lungs) {
    const dx = (u - l.cx) / l.rx;
    const floor = l.cy + l.ry * (0.75 - l.dome * 4 * (1 - Math.min(1, dx * dx)));
    if (v < floor) lungs = Math.max(lungs, inside(u, v, l.cx, l.cy, l.rx, l.ry, 0.2));
  }
  const heart = inside(u, v, m.heartX, m.heartY, m.heartR * 1.2, m.heartR, 0.3);
  const spine = Math.abs(u - body.cx) < m.width * 0.5 ? 0.18 : 0;
  const rib = lungs > 0 ? ribs.amp * Math.max(0, Math.sin((v - ribs.curve * (u - body.cx) ** 2) * ribs.freq * Math.PI + ribs.phase)) ** 2 : 0;
  const texture = p.textureAmp[0] * lookup(p.coarse, COARSE, u, v) + p.textureAmp[1] * lookup(p.fine, FINE, u, v);
  // no region is flat: rank equalisation would otherwise spread a flat region's noise over many gray levels
  const outside = 0.1 + 0.08 * v + 0.5 * texture;
  return outside * (1 - inBody) + inBody * (0.55 + spine - 0.38 * lungs * (1 - 0.8 * heart) + rib + texture * (0.5 + 0.5 * lungs));
}

export interface ViewOptions {
  /** 0 renders the patient's film exactly as drawn; 1 (the default) varies pose, exposure, framing and markers as between follow-up films */
  variation: number;
}

/**
 * Renders one film of a patient: the anatomy under a pose (rotation, scale, shift, inspiration), an exposure
 * (gamma, contrast, brightness), quantum noise, sometimes collimation borders, and a burned-in side marker and
 * text line. Two films of one patient differ as follow-up films do; films of different patients differ in anatomy.
 */
export function renderView(field: PatientField, rng: Rng, size: number, variation = 1): Uint8Array {
  const angle = uniform(rng, -4, 4) * (Math.PI / 180) * variation;
  const scale = 1 + uniform(rng, -0.08, 0.08) * variation;
  const inspiration = 1 + uniform(rng, -0.05, 0.05) * variation;
  const tx = uniform(rng, -0.04, 0.04) * variation;
  const ty = uniform(rng, -0.04, 0.04) * variation;
  const gamma = 1 + uniform(rng, -0.3, 0.35) * variation;
  const contrast = 1 + uniform(rng, -0.25, 0.2) * variation;
  const brightness = uniform(rng, -0.06, 0.06) * variation;
  const noise = uniform(rng, 1, 3);
  const border = rng() < 0.3 * variation ? [0, 0, 0, 0].map(() => (rng() < 0.5 ? Math.floor(uniform(rng, 0, 0.07) * size) : 0)) : [0, 0, 0, 0];
  // exposure as a lookup table over the atlas's attenuation levels
  const tone = new Float32Array(ATLAS_LEVELS + 1);
  for (let i = 0; i <= ATLAS_LEVELS; i++) tone[i] = 255 * (brightness + 0.5 + contrast * ((i / ATLAS_LEVELS) ** gamma - 0.5));
  const atlas = atlasOf(field);
  // what changes between follow-up films besides pose and exposure: soft tissue, inflammation, positioning aids
  const film = grid(rng, FINE);
  const filmAmp = uniform(rng, 0.07, 0.12) * variation;
  const cos = Math.cos(angle) / scale;
  const sin = Math.sin(angle) / scale;
  const out = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    const yc = (y + 0.5) / size - 0.5 - ty;
    for (let x = 0; x < size; x++) {
      const xc = (x + 0.5) / size - 0.5 - tx;
      const u = 0.5 + cos * xc - sin * yc;
      const v = 0.5 + (sin * xc + cos * yc) / inspiration;
      const a = lookup(atlas, ATLAS, u, v) + filmAmp * lookup(film, FINE, u, v);
      const level = Math.round(Math.min(1, Math.max(0, a)) * ATLAS_LEVELS);
      const g = (tone[level] as number) + (rng() - 0.5) * 2 * noise;
      out[y * size + x] = g < 0 ? 0 : g > 255 ? 255 : Math.round(g);
    }
  }
  burnInMarkers(out, size, rng, variation);
  collimate(out, size, border as [number, number, number, number]);
  return out;
}

const ATLAS = 160;
const ATLAS_LEVELS = 4096;
const atlases = new WeakMap<PatientField, Float32Array>();

/** the patient's anatomy sampled once on an ATLAS² grid (films resample it under their pose): films cost a lookup per pixel */
function atlasOf(field: PatientField): Float32Array {
  const cached = atlases.get(field);
  if (cached) return cached;
  const atlas = new Float32Array(ATLAS * ATLAS);
  for (let y = 0; y < ATLAS; y++) for (let x = 0; x < ATLAS; x++) atlas[y * ATLAS + x] = attenuation(field, x / (ATLAS - 1), y / (ATLAS - 1));
  atlases.set(field, atlas);
  return atlas;
}

/** a side marker (an L or R glyph on a bright square) near a top corner and, on some films, a line of "text" blocks */
function burnInMarkers(out: Uint8Array, size: number, rng: Rng, variation: number): void {
  if (variation <= 0 || size < 48) return;
  const cell = Math.max(1, Math.round(size / 64));
  const mx = Math.floor(uniform(rng, 0.03, 0.2) * size) + (rng() < 0.5 ? 0 : Math.floor(size * 0.7));
  const my = Math.floor(uniform(rng, 0.03, 0.15) * size);
  const glyph = rng() < 0.5 ? ['#...', '#...', '#...', '####'] : ['###.', '#..#', '###.', '#..#'];
  glyph.forEach((row, gy) => [...row].forEach((c, gx) => fill(out, size, mx + gx * cell, my + gy * cell, cell, cell, c === '#' ? 250 : 30)));
  if (rng() < 0.6) {
    const ty = Math.floor(uniform(rng, 0.85, 0.94) * size);
    let tx = Math.floor(uniform(rng, 0.05, 0.5) * size);
    const chars = 4 + Math.floor(rng() * 10);
    for (let k = 0; k < chars; k++, tx += 3 * cell) if (rng() < 0.85) fill(out, size, tx, ty, 2 * cell, Math.round((2 + rng() * 2) * cell), 235);
  }
}

function fill(out: Uint8Array, size: number, x0: number, y0: number, w: number, h: number, value: number): void {
  for (let y = Math.max(0, y0); y < Math.min(size, y0 + h); y++) for (let x = Math.max(0, x0); x < Math.min(size, x0 + w); x++) out[y * size + x] = value;
}

/** black collimation bands of the given widths (left, right, top, bottom) */
function collimate(out: Uint8Array, size: number, [l, r, t, b]: [number, number, number, number]): void {
  fill(out, size, 0, 0, l, size, 0);
  fill(out, size, size - r, 0, r, size, 0);
  fill(out, size, 0, 0, size, t, 0);
  fill(out, size, 0, size - b, size, b, 0);
}
