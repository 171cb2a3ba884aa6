// Plain JavaScript on purpose: the hash worker threads import this without a TypeScript loader, so they
// start in milliseconds instead of registering tsx. Types: hash-worker-kernel.d.mts.
import { createHash } from 'node:crypto';
import { nearRecord } from './near-kernel.mjs';

/** bits per side of the blockhash grid (16 → 256-bit codes) */
const BITS = 16;

/** SHA-256 of the 8-bit gray pixels with their dimensions, lowercase hex */
export function pixelHashOf(data, width, height) {
  return createHash('sha256').update(`${width}x${height}\n`).update(data).digest('hex');
}

/**
 * How each pixel index along one axis of length n splits between two adjacent blocks, exactly as
 * blockhash-core's bmvbhash computes it, but as integer weights in sixteenths (n/16 is the block size,
 * so every fraction it produces is a multiple of 1/16).
 */
function axisWeights(n) {
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const wLo = new Int32Array(n);
  const even = n % BITS === 0;
  const size = n / BITS;
  for (let i = 0; i < n; i++) {
    if (even) {
      lo[i] = hi[i] = Math.floor(i / size);
      wLo[i] = 16;
      continue;
    }
    const mod = (i + 1) % size;
    const frac = mod - Math.floor(mod);
    const whole = mod - frac;
    wLo[i] = Math.round((1 - frac) * 16);
    if (whole > 0 || i + 1 === n) {
      lo[i] = hi[i] = Math.floor(i / size);
    } else {
      lo[i] = Math.floor(i / size);
      hi[i] = Math.ceil(i / size);
    }
  }
  return { lo, hi, wLo };
}

/**
 * The same weights as segments [start, end) → block with weight (in sixteenths): runs of pixels that go
 * wholly to one block (weight 16), and each boundary pixel split into two one-pixel segments.
 */
function axisSegments(n) {
  const { lo, hi, wLo } = axisWeights(n);
  const start = [];
  const end = [];
  const block = [];
  const weight = [];
  const add = (s, e, b, w) => {
    const last = start.length - 1;
    if (last >= 0 && end[last] === s && block[last] === b && weight[last] === w && w === 16) end[last] = e;
    else {
      start.push(s);
      end.push(e);
      block.push(b);
      weight.push(w);
    }
  };
  for (let i = 0; i < n; i++) {
    if (wLo[i] === 16 || lo[i] === hi[i]) add(i, i + 1, lo[i], 16);
    else {
      add(i, i + 1, lo[i], wLo[i]);
      add(i, i + 1, hi[i], 16 - wLo[i]);
    }
  }
  return { start: Int32Array.from(start), end: Int32Array.from(end), block: Int32Array.from(block), weight: Int32Array.from(weight) };
}

const segmentCache = new Map();
function cachedAxisSegments(n) {
  let segments = segmentCache.get(n);
  if (!segments) {
    if (segmentCache.size > 64) segmentCache.clear();
    segments = axisSegments(n);
    segmentCache.set(n, segments);
  }
  return segments;
}

/**
 * Summed-area table of a gray image: entry (y, x) of the (height+1)×(width+1) table is the sum of the pixels
 * above and left of it. Built once per image, it gives every crop variant's block sums in O(blocks).
 * Float64 keeps sums exact up to 2^53 (a 255-valued image would need 35 trillion pixels to get there).
 */
export function summedArea(image, scratch) {
  const { data, width, height } = image;
  const w1 = width + 1;
  const size = (height + 1) * w1;
  const table = scratch && scratch.length >= size ? scratch.subarray(0, size) : new Float64Array(size);
  table.fill(0, 0, w1);
  for (let y = 0; y < height; y++) {
    table[(y + 1) * w1] = 0;
    let run = 0;
    const src = y * width;
    const above = y * w1 + 1;
    const out = above + w1;
    for (let x = 0; x < width; x++) {
      run += data[src + x];
      table[out + x] = table[above + x] + run;
    }
  }
  return { table, width, height };
}

/**
 * blockhash-core's bmvbhash(…, 16) of the gray window (left, top, width, height) of an image given by its
 * summed-area table, as if the window were expanded to opaque RGBA with R=G=B — bit for bit, without
 * building the RGBA copy.
 *
 * Why it is the same number: bmvbhash adds 3·v·wy·wx per pixel, with weights that are multiples of 1/16.
 * Every term and every partial sum is then a dyadic rational far below 2^53, so floating point is exact and
 * the order of additions does not matter; here each block is summed as rectangles of whole-weight runs and
 * one-pixel boundary lines, in integers of 1/256, and scaled by 3/256 at the end, which is exact too.
 */
export function blockhashWindow(sat, left, top, width, height) {
  const rows = cachedAxisSegments(height);
  const cols = cachedAxisSegments(width);
  const { table } = sat;
  const w1 = sat.width + 1;
  const blocks = new Float64Array(BITS * BITS);
  for (let r = 0; r < rows.start.length; r++) {
    const y0 = (top + rows.start[r]) * w1;
    const y1 = (top + rows.end[r]) * w1;
    const wy = rows.weight[r];
    const out = rows.block[r] * BITS;
    for (let c = 0; c < cols.start.length; c++) {
      const x0 = left + cols.start[c];
      const x1 = left + cols.end[c];
      const sum = table[y1 + x1] - table[y0 + x1] - table[y1 + x0] + table[y0 + x0];
      blocks[out + cols.block[c]] += sum * wy * cols.weight[c];
    }
  }
  const values = new Array(BITS * BITS);
  for (let i = 0; i < values.length; i++) values[i] = (blocks[i] * 3) / 256;
  // bmvbhashEven uses floor(n/16)² pixels per block, bmvbhash (n/16)²; both equal n²/256 when n divides evenly
  const pixelsPerBlock = width % BITS === 0 && height % BITS === 0 ? Math.floor(width / BITS) * Math.floor(height / BITS) : (width / BITS) * (height / BITS);
  return bitsToHex(translateBlocksToBits(values, pixelsPerBlock));
}

const medianScratch = new Float64Array(BITS * BITS);

/** Median of a band of block values (an insertion sort: 64 numbers, where a comparator sort costs several times more). */
function median(values) {
  const n = values.length;
  const sorted = medianScratch.subarray(0, n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    let j = i - 1;
    while (j >= 0 && sorted[j] > v) {
      sorted[j + 1] = sorted[j];
      j--;
    }
    sorted[j + 1] = v;
  }
  return n % 2 === 0 ? (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 : sorted[Math.floor(n / 2)];
}

/** blockhash-core's translateBlocksToBits: 1 where a block is brighter than its horizontal band's median */
function translateBlocksToBits(blocks, pixelsPerBlock) {
  const halfBlockValue = (pixelsPerBlock * 256 * 3) / 2;
  const band = blocks.length / 4;
  const bits = new Uint8Array(blocks.length);
  for (let i = 0; i < 4; i++) {
    const m = median(blocks.slice(i * band, (i + 1) * band));
    for (let j = i * band; j < (i + 1) * band; j++) {
      const v = blocks[j];
      bits[j] = v > m || (Math.abs(v - m) < 1 && m > halfBlockValue) ? 1 : 0;
    }
  }
  return bits;
}

function bitsToHex(bits) {
  let hex = '';
  for (let i = 0; i < bits.length; i += 4) hex += ((bits[i] << 3) | (bits[i + 1] << 2) | (bits[i + 2] << 1) | bits[i + 3]).toString(16);
  return hex;
}

/** Larger images are box-averaged down first: blockhash averages 16×16 blocks anyway, and JS loops over 4M pixels are slow. */
const BLOCKHASH_MAX_SIDE = 512;

/** The image blockhash is computed on: box-averaged below BLOCKHASH_MAX_SIDE, tiny ones blown up to 32 px. */
export function blockhashBase(image) {
  if (image.width < 32 || image.height < 32) return upsampleNearest(image, 32);
  const factor = Math.ceil(Math.max(image.width, image.height) / BLOCKHASH_MAX_SIDE);
  if (factor <= 1) return image;
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8Array(width * height);
  const area = factor * factor;
  const sums = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    sums.fill(0);
    for (let dy = 0; dy < factor; dy++) {
      const row = (y * factor + dy) * image.width;
      for (let x = 0, i = row; x < width; x++) {
        let s = 0;
        for (let dx = 0; dx < factor; dx++, i++) s += image.data[i];
        sums[x] += s;
      }
    }
    for (let x = 0; x < width; x++) data[y * width + x] = Math.round(sums[x] / area);
  }
  return { data, width, height };
}

/** Tiny images (tests, icons) are blown up so every 16×16 block and every crop variant has whole pixels. */
function upsampleNearest(image, minSide) {
  const factor = Math.ceil(minSide / Math.max(1, Math.min(image.width, image.height)));
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = image.data[Math.floor(y / factor) * image.width + Math.floor(x / factor)];
  }
  return { data, width, height };
}

/** blockhash of a base image (see blockhashBase) cropped symmetrically by cropPerSide of each side */
export function blockhashCropped(base, cropPerSide, sat = summedArea(base)) {
  const left = Math.round(base.width * cropPerSide);
  const top = Math.round(base.height * cropPerSide);
  const width = Math.max(16, base.width - 2 * left);
  const height = Math.max(16, base.height - 2 * top);
  return blockhashWindow(sat, left, top, width, height);
}

/** the summed-area table of the image being hashed, reused (hashGray is synchronous and keeps none of it) */
let satScratch = new Float64Array(0);

/**
 * Everything the audit derives from one decoded gray image: pixel hash, blockhash and the crop variants'
 * codes, and the near-duplicate record (canonical view and descriptors, base64) — so no image is decoded twice.
 */
export function hashGray(image, cropVariants) {
  const base = blockhashBase(image);
  const cells = (base.width + 1) * (base.height + 1);
  if (satScratch.length < cells) satScratch = new Float64Array(Math.max(cells, 2 * satScratch.length));
  const sat = summedArea(base, satScratch);
  const near = nearRecord(base, sat);
  return {
    width: image.width,
    height: image.height,
    pixel: pixelHashOf(image.data, image.width, image.height),
    block: blockhashCropped(base, 0, sat),
    cropBlocks: cropVariants.map((f) => blockhashCropped(base, f, sat)),
    view: Buffer.from(near.view.buffer, near.view.byteOffset, near.view.byteLength).toString('base64'),
    codes: Buffer.from(near.codes.buffer, near.codes.byteOffset, near.codes.byteLength).toString('base64'),
  };
}
