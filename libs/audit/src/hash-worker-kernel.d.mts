export interface GrayPixels {
  /** row-major 8-bit gray, width*height bytes */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface GrayHashes {
  width: number;
  height: number;
  pixel: string;
  block: string;
  cropBlocks: string[];
}

export function pixelHashOf(data: Uint8Array, width: number, height: number): string;
export function blockhashWindow(data: Uint8Array, stride: number, left: number, top: number, width: number, height: number): string;
export function blockhashBase(image: GrayPixels): GrayPixels;
export function blockhashCropped(base: GrayPixels, cropPerSide: number): string;
export function hashGray(image: GrayPixels, cropVariants: readonly number[]): GrayHashes;
