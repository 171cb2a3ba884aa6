/** Refuse anything above this many pixels before decoding it (a 20,000×20,000 PNG is a few hundred KB on disk). */
export const DEFAULT_MAX_PIXELS = 64_000_000;

export interface GrayImage {
  /** row-major 8-bit grayscale, width*height bytes */
  data: Uint8Array;
  width: number;
  height: number;
}

export type DecodeFailure = 'too-many-pixels' | 'truncated' | 'not-an-image' | 'empty-file' | 'unreadable' | 'unsupported-transfer-syntax';

export class DecodeError extends Error {
  constructor(
    readonly kind: DecodeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}
