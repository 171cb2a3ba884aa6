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
  /** canonical view, VIEW_SIZE² bytes, base64 */
  view: string;
  /** near-duplicate descriptors (int8, DESCRIPTORS_PER_IMAGE × DESCRIPTOR_DIMS), base64 */
  codes: string;
}

export function pixelHashOf(data: Uint8Array, width: number, height: number): string;
/** summed-area table, (height+1)×(width+1) */
export interface SummedArea {
  table: Float64Array;
  width: number;
  height: number;
}

/** `scratch` (at least (width+1)·(height+1) long) is reused for the table instead of a new allocation */
export function summedArea(image: GrayPixels, scratch?: Float64Array): SummedArea;
export function blockhashWindow(sat: SummedArea, left: number, top: number, width: number, height: number): string;
export function blockhashBase(image: GrayPixels): GrayPixels;
export function blockhashCropped(base: GrayPixels, cropPerSide: number, sat?: SummedArea): string;
export function hashGray(image: GrayPixels, cropVariants: readonly number[]): GrayHashes;
