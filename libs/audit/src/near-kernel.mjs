// Plain JavaScript on purpose (like hash-worker-kernel.mjs): worker threads import it without a TypeScript
// loader. Types: near-kernel.d.mts. Everything here is a pure function of pixels.

/** side of the canonical view every comparison uses */
export const VIEW_SIZE = 64;
/** side of the block grid the descriptor's DCT is taken on */
const GRID = 16;
/** DCT frequencies kept per axis (0..FREQ-1, without the DC term): FREQ² − 1 dimensions */
const FREQ = 6;
export const DESCRIPTOR_DIMS = FREQ * FREQ - 1;
/** a border line may be trimmed up to this fraction of the side, per side */
const MAX_TRIM = 0.25;
/** a border line is flat when FLAT_SHARE of its pixels are within ±FLAT_TOLERANCE of its median */
const FLAT_TOLERANCE = 4;
const FLAT_SHARE = 0.98;
/** past a flat edge line, a line of its colour may ring (JPEG) this much */
const RINGING = 20;

/**
 * Is line `i` (a row when `rows`, else a column) of the image, between `from` and `to` on the other axis,
 * flat? Padding is (JPEG ringing only touches the lines next to the content); the anatomy of a radiograph is
 * not, and a tight tolerance keeps an image's own dark edges from being trimmed differently after a gamma
 * or contrast change (measured: ±12 trimmed them inconsistently, ±4 does not). Returns the line's border
 * colour, or −1 when it is content.
 */
function flatLine(image, i, rows, from, to, padColour) {
  const { data, width } = image;
  const hist = new Int32Array(256);
  const n = to - from;
  for (let k = from; k < to; k++) hist[rows ? data[i * width + k] : data[k * width + i]]++;
  let acc = 0;
  let median = 0;
  for (; median < 256; median++) {
    acc += hist[median];
    if (acc * 2 >= n) break;
  }
  const share = (centre, tolerance) => {
    let within = 0;
    for (let v = Math.max(0, centre - tolerance); v <= Math.min(255, centre + tolerance); v++) within += hist[v];
    return within / n;
  };
  if (share(median, FLAT_TOLERANCE) >= FLAT_SHARE) return median;
  // past a strictly flat edge line, a line of the same colour with JPEG ringing (padding that shares its 8×8
  // blocks with the content) still counts; relative to the edge's own colour, so a contrast change moves both
  if (padColour >= 0 && Math.abs(median - padColour) <= 6 && share(median, RINGING) >= 0.9) return padColour;
  return -1;
}

/** The content box of an image: flat border rows and columns (letterbox, padding, black bands) trimmed away. */
export function contentBox(image) {
  const { width, height } = image;
  let top = 0;
  let bottom = height;
  let left = 0;
  let right = width;
  const maxY = Math.floor(height * MAX_TRIM);
  const maxX = Math.floor(width * MAX_TRIM);
  const colour = { top: -1, bottom: -1, left: -1, right: -1 };
  // alternate sides so a border on one side does not stop the other from being seen as flat
  for (let changed = true; changed; ) {
    changed = false;
    let c;
    if (top < maxY && (c = flatLine(image, top, true, left, right, colour.top)) >= 0) {
      colour.top = c;
      top++;
      changed = true;
    }
    if (height - bottom < maxY && (c = flatLine(image, bottom - 1, true, left, right, colour.bottom)) >= 0) {
      colour.bottom = c;
      bottom--;
      changed = true;
    }
    if (left < maxX && (c = flatLine(image, left, false, top, bottom, colour.left)) >= 0) {
      colour.left = c;
      left++;
      changed = true;
    }
    if (width - right < maxX && (c = flatLine(image, right - 1, false, top, bottom, colour.right)) >= 0) {
      colour.right = c;
      right--;
      changed = true;
    }
  }
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * Sample positions of `count` cells of width `step` from `start` along one axis of a summed-area table of
 * `size` pixels: cell k spans [lo, hi) with lo = start + k·step and hi = lo + step, computed in exactly those
 * floating-point operations. Equal positions are shared (hi of one cell is usually lo of the next), so a
 * lattice of integrals needs count+1 evaluations per axis instead of 2·count, and each integral is the same
 * double as computing it per cell.
 */
class AxisSamples {
  constructor(capacity) {
    this.lo = new Int32Array(capacity);
    this.hi = new Int32Array(capacity);
    this.index = new Int32Array(2 * capacity);
    this.f = new Float64Array(2 * capacity);
    this.g = new Float64Array(2 * capacity);
    this.positions = 0;
  }

  fill(start, step, count, size) {
    let n = 0;
    let last = NaN;
    const add = (p) => {
      if (p === last) return n - 1;
      last = p;
      const i = Math.min(size - 1, Math.floor(p));
      this.index[n] = i;
      this.f[n] = p - i;
      this.g[n] = 1 - (p - i);
      return n++;
    };
    for (let k = 0; k < count; k++) {
      const lo = start + k * step;
      this.lo[k] = add(lo);
      this.hi[k] = add(lo + step);
    }
    this.positions = n;
  }
}

const sampleX = new AxisSamples(VIEW_SIZE);
const sampleY = new AxisSamples(VIEW_SIZE);
let lattice = new Float64Array(4 * VIEW_SIZE * VIEW_SIZE);
// scratch of the view and descriptor computations: each is consumed before the next one is made
const rawScratch = new Float64Array(VIEW_SIZE * VIEW_SIZE);
const gridScratch = new Float64Array(GRID * GRID);
const rowsDctScratch = new Float64Array(GRID * FREQ);

/**
 * Integral of the image over [0,x)×[0,y) at every (x, y) of the two axes' sample positions: bilinear in the
 * summed-area table, a·(1−fx)·(1−fy) + b·fx·(1−fy) + c·(1−fx)·fy + d·fx·fy in that order. Row-major, one row
 * per y position; reused scratch (the caller reads it before the next call).
 */
function integralLattice(sat, xs, ys) {
  const w1 = sat.width + 1;
  const t = sat.table;
  const nx = xs.positions;
  const ny = ys.positions;
  if (lattice.length < nx * ny) lattice = new Float64Array(nx * ny);
  for (let py = 0; py < ny; py++) {
    const y0 = ys.index[py];
    const fy = ys.f[py];
    const gy = ys.g[py];
    const r0 = y0 * w1;
    const r1 = r0 + w1;
    const o = py * nx;
    for (let px = 0; px < nx; px++) {
      const x0 = xs.index[px];
      const fx = xs.f[px];
      const gx = xs.g[px];
      lattice[o + px] = t[r0 + x0] * gx * gy + t[r0 + x0 + 1] * fx * gy + t[r1 + x0] * gx * fy + t[r1 + x0 + 1] * fx * fy;
    }
  }
  return lattice;
}

/** Sums of the image over a cells × cells grid of the box (area integrals through the summed-area table), into `out`. */
function boxCellSums(sat, box, cells, out) {
  const sx = box.width / cells;
  const sy = box.height / cells;
  sampleX.fill(box.left, sx, cells, sat.width);
  sampleY.fill(box.top, sy, cells, sat.height);
  const I = integralLattice(sat, sampleX, sampleY);
  const nx = sampleX.positions;
  for (let y = 0; y < cells; y++) {
    const r0 = sampleY.lo[y] * nx;
    const r1 = sampleY.hi[y] * nx;
    for (let x = 0; x < cells; x++) {
      const x0 = sampleX.lo[x];
      const x1 = sampleX.hi[x];
      out[y * cells + x] = I[r1 + x1] - I[r1 + x0] - I[r0 + x1] + I[r0 + x0];
    }
  }
  return out;
}

/**
 * The canonical view: the content box resampled to VIEW_SIZE² by area averaging (aspect ratio ignored, as a
 * resize would), then histogram-equalised, so gamma, contrast and brightness changes (monotone maps of the
 * gray levels) leave it nearly unchanged. Values 0..255.
 */
export function canonicalView(image, sat, box = contentBox(image)) {
  const s = VIEW_SIZE;
  const raw = boxCellSums(sat, box, s, rawScratch);
  const area = (box.width / s) * (box.height / s);
  for (let i = 0; i < raw.length; i++) raw[i] = raw[i] / area;
  return equalise(raw);
}

let orderScratch = new Uint32Array(0);
let keyScratch = new Int32Array(0);
let countScratch = new Int32Array(0);

/**
 * Indices of `values` in ascending order of value, in reused scratch: a counting sort on a monotone bucket
 * key (floor of the value's position between min and max, one bucket per value on average), then insertion
 * sort inside each bucket (a comparator sort for the rare crowded one). Linear time for the views and grids
 * equalise sees, where a comparator sort of 4,096 indices cost ~0.7 ms per image.
 */
function sortedOrder(values) {
  const n = values.length;
  if (orderScratch.length < n) {
    orderScratch = new Uint32Array(n);
    keyScratch = new Int32Array(n);
    countScratch = new Int32Array(n + 1);
  }
  const order = orderScratch.subarray(0, n);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // floor((v − min)·scale) never decreases as v grows (each rounded operation is monotone), so buckets are ordered
  const scale = max > min ? (n - 1) / (max - min) : 0;
  const counts = countScratch.subarray(0, n + 1).fill(0);
  for (let i = 0; i < n; i++) {
    const key = Math.min(n - 1, Math.floor((values[i] - min) * scale));
    keyScratch[i] = key;
    counts[key + 1]++;
  }
  for (let b = 0; b < n; b++) counts[b + 1] += counts[b];
  for (let i = 0; i < n; i++) order[counts[keyScratch[i]]++] = i;
  // counts[b] is now the end of bucket b
  for (let b = 0, from = 0; b < n; from = counts[b++]) {
    const to = counts[b];
    if (to - from < 2) continue;
    if (to - from > 32) {
      order.subarray(from, to).sort((x, y) => values[x] - values[y]);
      continue;
    }
    for (let i = from + 1; i < to; i++) {
      const idx = order[i];
      const v = values[idx];
      let j = i - 1;
      while (j >= from && values[order[j]] > v) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = idx;
    }
  }
  return order;
}

/** Rank transform: each value → the mid-rank of its value among all, scaled to 0..255 (ties share a rank). */
export function equalise(values) {
  const n = values.length;
  const order = sortedOrder(values);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const v = Math.round((((i + j) / 2) / (n - 1)) * 255);
    for (let k = i; k <= j; k++) out[order[k]] = v;
    i = j + 1;
  }
  return out;
}

const dctBasis = (() => {
  const basis = new Float64Array(FREQ * GRID);
  for (let u = 0; u < FREQ; u++) for (let x = 0; x < GRID; x++) basis[u * GRID + x] = Math.cos((Math.PI * (2 * x + 1) * u) / (2 * GRID));
  return basis;
})();

/** Integral of the image over each cell of a GRID² lattice of the box. */
function gridOfBox(sat, box) {
  return boxCellSums(sat, box, GRID, gridScratch.fill(0));
}

/**
 * Where each pixel of the VIEW_SIZE² view rotated by θ about its centre samples the view (bilinear), and which
 * GRID² cell it adds to: the same for every image, so computed once per angle.
 */
function rotationTable(theta) {
  const s = VIEW_SIZE;
  const c = (s - 1) / 2;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const k = s / GRID;
  const table = { index: new Int32Array(s * s), cell: new Int32Array(s * s), fx: new Float64Array(s * s), gx: new Float64Array(s * s), fy: new Float64Array(s * s), gy: new Float64Array(s * s) };
  for (let y = 0, p = 0; y < s; y++) {
    for (let x = 0; x < s; x++, p++) {
      const ax = Math.min(s - 1.001, Math.max(0, c + cos * (x - c) - sin * (y - c)));
      const ay = Math.min(s - 1.001, Math.max(0, c + sin * (x - c) + cos * (y - c)));
      const x0 = ax | 0, y0 = ay | 0, fx = ax - x0, fy = ay - y0;
      table.index[p] = y0 * s + x0;
      table.cell[p] = Math.floor(y / k) * GRID + Math.floor(x / k);
      table.fx[p] = fx;
      table.gx[p] = 1 - fx;
      table.fy[p] = fy;
      table.gy[p] = 1 - fy;
    }
  }
  return table;
}

const rotationTables = new Map();

/** A GRID² lattice from the view rotated by θ about its centre (4×4 bilinear samples per cell). */
function gridOfRotatedView(view, theta) {
  let table = rotationTables.get(theta);
  if (!table) {
    table = rotationTable(theta);
    rotationTables.set(theta, table);
  }
  const s = VIEW_SIZE;
  const { index, cell, fx, gx, fy, gy } = table;
  const out = gridScratch.fill(0);
  for (let p = 0; p < s * s; p++) {
    const i = index[p];
    out[cell[p]] += (view[i] * gx[p] + view[i + 1] * fx[p]) * gy[p] + (view[i + s] * gx[p] + view[i + s + 1] * fx[p]) * fy[p];
  }
  return out;
}

/**
 * Low-frequency DCT of a GRID² lattice after a rank transform (gamma and contrast changes are monotone maps
 * of the gray levels, so ranks barely move): (u, v) in 0..FREQ-1 without DC, row-major by v then u,
 * L2-normalised. A horizontal mirror only flips the sign of odd horizontal frequencies (flipDescriptor).
 */
function descriptorOfGrid(grid) {
  const g = equalise(grid);
  const rowsDct = rowsDctScratch;
  for (let y = 0; y < GRID; y++) {
    for (let u = 0; u < FREQ; u++) {
      let acc = 0;
      for (let x = 0; x < GRID; x++) acc += (g[y * GRID + x] - 127.5) * dctBasis[u * GRID + x];
      rowsDct[y * FREQ + u] = acc;
    }
  }
  const out = new Float32Array(DESCRIPTOR_DIMS);
  let o = 0;
  for (let v = 0; v < FREQ; v++) {
    for (let u = 0; u < FREQ; u++) {
      if (u === 0 && v === 0) continue;
      let acc = 0;
      for (let y = 0; y < GRID; y++) acc += rowsDct[y * FREQ + u] * dctBasis[v * GRID + y];
      out[o++] = acc / (GRID * GRID * 128);
    }
  }
  return out;
}

/** The descriptor of the whole content box (what the index holds). */
export function descriptor(sat, box) {
  return descriptorOfGrid(gridOfBox(sat, box));
}

/** one-sided crops the query side tries, per side, as a fraction of the content box */
export const CROP_QUERIES = [0.05, 0.1];
/** rotations the query side tries, radians (±3° alone missed one 4.97° rotation in 200: bench/audit-near-recall.ts) */
export const ROTATION_QUERIES = [-5, -2.5, 2.5, 5].map((deg) => (deg * Math.PI) / 180);

/**
 * Query-side expansion: the descriptors of the content box cropped on one side (left, right, top, bottom by
 * each of CROP_QUERIES) and of the view rotated by each of ROTATION_QUERIES. A copy cropped or rotated by
 * that much has a base descriptor close to one of these, where the original's base descriptor is not.
 */
export function queryDescriptors(sat, box, view) {
  const out = [];
  for (const f of CROP_QUERIES) {
    const dx = Math.round(box.width * f);
    const dy = Math.round(box.height * f);
    out.push(descriptor(sat, { ...box, left: box.left + dx, width: box.width - dx }));
    out.push(descriptor(sat, { ...box, width: box.width - dx }));
    out.push(descriptor(sat, { ...box, top: box.top + dy, height: box.height - dy }));
    out.push(descriptor(sat, { ...box, height: box.height - dy }));
  }
  for (const theta of ROTATION_QUERIES) out.push(descriptorOfGrid(gridOfRotatedView(view, theta)));
  return out;
}

/** The descriptor of the horizontally mirrored view, from the descriptor alone. */
export function flipDescriptor(desc) {
  const out = new Float32Array(desc.length);
  let o = 0;
  for (let v = 0; v < FREQ; v++) {
    for (let u = 0; u < FREQ; u++) {
      if (u === 0 && v === 0) continue;
      out[o] = u % 2 === 1 ? -desc[o] : desc[o];
      o++;
    }
  }
  return out;
}

export { centred, compareViews, defaultSearch } from './view-compare-kernel.mjs';

/** descriptors per image: the base, then the query variants (crops, rotations); mirrors are derived */
export const DESCRIPTORS_PER_IMAGE = 1 + 4 * CROP_QUERIES.length + ROTATION_QUERIES.length;

/**
 * What the near-duplicate search keeps of one decoded image: its canonical view (VIEW_SIZE² bytes) and its
 * descriptors (base + query variants), each L2-normalised and quantised to int8, packed in one Int8Array.
 */
export function nearRecord(image, sat) {
  const box = contentBox(image);
  const view = canonicalView(image, sat, box);
  const all = [descriptor(sat, box), ...queryDescriptors(sat, box, view)];
  const codes = new Int8Array(all.length * DESCRIPTOR_DIMS);
  all.forEach((d, k) => {
    let norm = 0;
    for (let i = 0; i < d.length; i++) norm += d[i] * d[i];
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < d.length; i++) codes[k * DESCRIPTOR_DIMS + i] = Math.max(-127, Math.min(127, Math.round((d[i] / norm) * 127)));
  });
  return { view, codes };
}
