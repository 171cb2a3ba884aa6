/**
 * Per-image intensity normalisation, applied to the decoded Uint8 image before anything else (training,
 * validation and prediction alike), so exposure, window/level and detector response of a site are taken
 * out of the input instead of being learned as a cue.
 *   none      the decoded pixels as they are (the historical behaviour)
 *   equalize  global histogram equalisation: pixel → its rank among the image's pixels, spread over 0..255
 *   clahe     contrast-limited adaptive histogram equalisation (8×8 tiles, clip limit 2, bilinear between tiles)
 */
export const intensityModes = ['none', 'equalize', 'clahe'] as const;
export type IntensityMode = (typeof intensityModes)[number];

/** Applies `mode` to the size×size image at `offset` in place. */
export function normaliseIntensity(image: Uint8Array, offset: number, size: number, mode: IntensityMode): void {
  if (mode === 'none') return;
  const view = image.subarray(offset, offset + size * size);
  if (mode === 'equalize') equalizeHistogram(view);
  else clahe(view, size, size);
}

/** The cumulative-histogram lookup table mapping 0..255 onto 0..255 for one histogram. */
function equalizingLut(hist: Float64Array | Uint32Array, total: number): Uint8Array {
  const lut = new Uint8Array(256);
  let first = 0;
  while (first < 255 && hist[first] === 0) first++;
  const below = hist[first]!;
  const span = total - below;
  let cum = 0;
  for (let v = 0; v < 256; v++) {
    cum += hist[v]!;
    // the darkest occupied level maps to 0; a flat image stays as it is
    lut[v] = span <= 0 ? v : Math.round(Math.max(0, ((cum - below) / span) * 255));
  }
  return lut;
}

export function equalizeHistogram(pixels: Uint8Array): void {
  const hist = new Uint32Array(256);
  for (const v of pixels) hist[v]!++;
  const lut = equalizingLut(hist, pixels.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = lut[pixels[i]!]!;
}

/**
 * CLAHE as in Zuiderveld (1994) / OpenCV: per tile a histogram clipped at clipLimit × its mean bin height, the
 * excess spread evenly, its CDF as the tile's mapping; each pixel blends the mappings of the four nearest tile
 * centres bilinearly, so there are no tile seams.
 */
export function clahe(pixels: Uint8Array, width: number, height: number, tiles = 8, clipLimit = 2): void {
  const tileW = width / tiles;
  const tileH = height / tiles;
  const luts: Uint8Array[] = [];
  for (let ty = 0; ty < tiles; ty++) {
    for (let tx = 0; tx < tiles; tx++) {
      const x0 = Math.floor(tx * tileW);
      const x1 = Math.max(x0 + 1, Math.floor((tx + 1) * tileW));
      const y0 = Math.floor(ty * tileH);
      const y1 = Math.max(y0 + 1, Math.floor((ty + 1) * tileH));
      const hist = new Float64Array(256);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) hist[pixels[y * width + x]!]!++;
      const count = (x1 - x0) * (y1 - y0);
      const limit = Math.max(1, (clipLimit * count) / 256);
      let excess = 0;
      for (let v = 0; v < 256; v++) {
        if (hist[v]! > limit) {
          excess += hist[v]! - limit;
          hist[v] = limit;
        }
      }
      const add = excess / 256;
      const lut = new Uint8Array(256);
      let cum = 0;
      for (let v = 0; v < 256; v++) {
        cum += hist[v]! + add;
        lut[v] = Math.min(255, Math.round((cum / count) * 255));
      }
      luts.push(lut);
    }
  }
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < height; y++) {
    // position between tile centres, clamped at the border tiles
    const gy = Math.min(Math.max((y + 0.5) / tileH - 0.5, 0), tiles - 1);
    const ty0 = Math.floor(gy);
    const ty1 = Math.min(ty0 + 1, tiles - 1);
    const fy = gy - ty0;
    for (let x = 0; x < width; x++) {
      const gx = Math.min(Math.max((x + 0.5) / tileW - 0.5, 0), tiles - 1);
      const tx0 = Math.floor(gx);
      const tx1 = Math.min(tx0 + 1, tiles - 1);
      const fx = gx - tx0;
      const v = pixels[y * width + x]!;
      const top = luts[ty0 * tiles + tx0]![v]! * (1 - fx) + luts[ty0 * tiles + tx1]![v]! * fx;
      const bottom = luts[ty1 * tiles + tx0]![v]! * (1 - fx) + luts[ty1 * tiles + tx1]![v]! * fx;
      out[y * width + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  pixels.set(out);
}
