import { DecodeError, decodeGray, type GrayImage } from '@leakproof/ingest';
import { blockhashBase, blockhashCropped, hashGray, pixelHashOf } from './hash-worker-kernel.mjs';

export interface ImageHashes {
  width: number;
  height: number;
  /** SHA-256 of the decoded 8-bit gray pixels at native size (with the dimensions), lowercase hex */
  pixel: string;
  /** blockhash-core 256-bit code, 64 hex chars */
  block: string;
  /** blockhash of the image cropped symmetrically by each of CROP_VARIANTS per side (query-side expansion for crops) */
  cropBlocks: string[];
  /** canonical view for verification (trimmed, equalised, 64×64 bytes), base64 */
  view: string;
  /** near-duplicate descriptors (near-kernel.mjs), base64 */
  codes: string;
}

export type HashOutcome = ({ ok: true } & ImageHashes) | { ok: false; kind: DecodeError['kind']; message: string };

/**
 * A crop of a few percent per side moves the block grid by a third of a block and flips 16–34 of 256 bits,
 * as many as separate different children. So each image also gets the codes of itself cropped by 2% and 4%
 * per side: a crop of 0–5% per side lands within a few bits of one of these codes, not of the original's.
 */
export const CROP_VARIANTS = [0.02, 0.04] as const;

export function pixelHash(image: GrayImage): string {
  return pixelHashOf(image.data, image.width, image.height);
}

/**
 * blockhash-core's bmvbhash(…, 16) of the image expanded to opaque RGBA (R=G=B), computed bit for bit on the
 * gray buffer itself (hash-worker-kernel.mjs says why that is exact). blockhash-core reads RGBA and sums
 * R+G+B per pixel: a 1- or 2-channel buffer fed to it as-is would be read as garbage strides (and alpha 0
 * turns blocks white), which makes almost every radiograph hash alike.
 */
export function blockhashGray(image: GrayImage, cropPerSide = 0): string {
  return blockhashCropped(blockhashBase(image), cropPerSide);
}

export function blockhashes(image: GrayImage): { block: string; cropBlocks: string[] } {
  const { block, cropBlocks } = hashGray(image, CROP_VARIANTS);
  return { block, cropBlocks };
}

/** Pixel hash and blockhashes of a decoded image (what the hash workers compute from a transferred buffer). */
export function hashDecoded(image: GrayImage): HashOutcome {
  return { ok: true, ...hashGray(image, CROP_VARIANTS) };
}

export function decodeFailure(error: unknown): HashOutcome {
  if (error instanceof DecodeError) return { ok: false, kind: error.kind, message: error.message };
  return { ok: false, kind: 'unreadable', message: error instanceof Error ? error.message : String(error) };
}

export async function hashImageFile(path: string, maxPixels?: number): Promise<HashOutcome> {
  try {
    return hashDecoded(await decodeGray(path, maxPixels === undefined ? {} : { maxPixels }));
  } catch (error) {
    return decodeFailure(error);
  }
}
