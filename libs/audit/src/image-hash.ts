import { createHash } from 'node:crypto';
import { bmvbhash } from 'blockhash-core';
import { DecodeError, decodeGray, type GrayImage } from '@leakproof/ingest';

export interface ImageHashes {
  width: number;
  height: number;
  /** SHA-256 of the decoded 8-bit gray pixels at native size (with the dimensions), lowercase hex */
  pixel: string;
  /** blockhash-core 256-bit code, 64 hex chars */
  block: string;
  /** blockhash of the image cropped symmetrically by each of CROP_VARIANTS per side (query-side expansion for crops) */
  cropBlocks: string[];
}

export type HashOutcome = ({ ok: true } & ImageHashes) | { ok: false; kind: DecodeError['kind']; message: string };

/**
 * A crop of a few percent per side moves the block grid by a third of a block and flips 16–34 of 256 bits,
 * as many as separate different children. So each image also gets the codes of itself cropped by 2% and 4%
 * per side: a crop of 0–5% per side lands within a few bits of one of these codes, not of the original's.
 */
export const CROP_VARIANTS = [0.02, 0.04] as const;

/** Larger images are box-averaged down first: blockhash averages 16×16 blocks anyway, and JS loops over 4M pixels are slow. */
const BLOCKHASH_MAX_SIDE = 512;

export function pixelHash(image: GrayImage): string {
  return createHash('sha256').update(`${image.width}x${image.height}\n`).update(image.data).digest('hex');
}

/**
 * blockhash-core reads RGBA and sums R+G+B per pixel: a 1- or 2-channel buffer would be read as garbage
 * strides (and alpha 0 turns blocks white), which makes almost every radiograph hash alike. So gray is
 * expanded to opaque RGBA here.
 */
export function blockhashGray(image: GrayImage, cropPerSide = 0): string {
  const small = downsampleForBlockhash(image);
  const left = Math.round(small.width * cropPerSide);
  const top = Math.round(small.height * cropPerSide);
  const width = Math.max(16, small.width - 2 * left);
  const height = Math.max(16, small.height - 2 * top);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = (y + top) * small.width + left;
    for (let x = 0, o = y * width * 4; x < width; x++, o += 4) {
      const v = small.data[row + x] as number;
      rgba[o] = v;
      rgba[o + 1] = v;
      rgba[o + 2] = v;
      rgba[o + 3] = 255;
    }
  }
  return bmvbhash({ width, height, data: rgba }, 16);
}

function downsampleForBlockhash(image: GrayImage): GrayImage {
  if (image.width < 32 || image.height < 32) return upsampleNearest(image, 32);
  const factor = Math.ceil(Math.max(image.width, image.height) / BLOCKHASH_MAX_SIDE);
  if (factor <= 1) return image;
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  const data = new Uint8Array(width * height);
  const area = factor * factor;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        const row = (y * factor + dy) * image.width + x * factor;
        for (let dx = 0; dx < factor; dx++) sum += image.data[row + dx] as number;
      }
      data[y * width + x] = Math.round(sum / area);
    }
  }
  return { data, width, height };
}

export function blockhashes(image: GrayImage): { block: string; cropBlocks: string[] } {
  return { block: blockhashGray(image), cropBlocks: CROP_VARIANTS.map((f) => blockhashGray(image, f)) };
}

export async function hashImageFile(path: string, maxPixels?: number): Promise<HashOutcome> {
  try {
    const image = await decodeGray(path, maxPixels === undefined ? {} : { maxPixels });
    return { ok: true, width: image.width, height: image.height, pixel: pixelHash(image), ...blockhashes(image) };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, kind: error.kind, message: error.message };
    return { ok: false, kind: 'unreadable', message: error instanceof Error ? error.message : String(error) };
  }
}

/** Tiny images (tests, icons) are blown up so every 16×16 block and every crop variant has whole pixels. */
function upsampleNearest(image: GrayImage, minSide: number): GrayImage {
  const factor = Math.ceil(minSide / Math.max(1, Math.min(image.width, image.height)));
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = image.data[Math.floor(y / factor) * image.width + Math.floor(x / factor)] as number;
  }
  return { data, width, height };
}
