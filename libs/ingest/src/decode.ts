import sharp from 'sharp';

/** Refuse anything above this many pixels before decoding it (a 20,000×20,000 PNG is a few hundred KB on disk). */
export const DEFAULT_MAX_PIXELS = 64_000_000;

export interface DecodeOptions {
  /** output size; a number means a square. Omit to keep the source size. */
  size?: number | { width: number; height: number };
  maxPixels?: number;
}

export interface GrayImage {
  /** row-major 8-bit grayscale, width*height bytes */
  data: Uint8Array;
  width: number;
  height: number;
}

export type DecodeFailure = 'too-many-pixels' | 'truncated' | 'not-an-image' | 'empty-file' | 'unreadable';

export class DecodeError extends Error {
  constructor(
    readonly kind: DecodeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/**
 * The one decoder every consumer uses: any JPEG/PNG/WebP/TIFF (8/16-bit, gray/RGB/CMYK, alpha, EXIF
 * orientation) to normalised 8-bit grayscale at the requested size. Alpha is flattened onto black
 * because radiograph backgrounds are black.
 */
export async function decodeGray(input: string | Buffer, options: DecodeOptions = {}): Promise<GrayImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (Buffer.isBuffer(input) && input.length === 0) throw new DecodeError('empty-file', 'the file is empty (0 bytes)');
  let pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'truncated', sequentialRead: true })
    // CMYK must go through sRGB with its profile: straight CMYK→b-w crushes the dark end (40 → 16)
    .pipelineColourspace('srgb')
    .rotate()
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .toColourspace('b-w');
  if (options.size !== undefined) {
    const { width, height } = typeof options.size === 'number' ? { width: options.size, height: options.size } : options.size;
    pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  }
  try {
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 1) throw new DecodeError('unreadable', `expected 1 channel after conversion, got ${info.channels}`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    throw classifySharpError(error, maxPixels);
  }
}

export function classifySharpError(error: unknown, maxPixels: number): DecodeError {
  if (error instanceof DecodeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new DecodeError('too-many-pixels', `image exceeds the pixel limit of ${maxPixels.toLocaleString('en')} pixels (refused before decoding)`);
  }
  if (/unsupported image format|Input buffer contains unsupported|Input file contains unsupported/i.test(message)) {
    return new DecodeError('not-an-image', 'not a supported image (JPEG, PNG, WebP, TIFF)');
  }
  if (/premature end|truncated|corrupt|VipsJpeg|read error|end of stream|Invalid|bad/i.test(message)) {
    return new DecodeError('truncated', `image data is truncated or corrupt: ${message}`);
  }
  if (/ENOENT|EACCES|EISDIR|EPERM/.test(message)) return new DecodeError('unreadable', message);
  return new DecodeError('unreadable', message);
}
