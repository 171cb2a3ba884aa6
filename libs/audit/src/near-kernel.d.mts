import type { GrayPixels, SummedArea } from './hash-worker-kernel.mjs';

export const VIEW_SIZE: number;
export const DESCRIPTOR_DIMS: number;
export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}
export function contentBox(image: GrayPixels): Box;
export function canonicalView(image: GrayPixels, sat: SummedArea, box?: Box): Uint8Array;
export function equalise(values: ArrayLike<number>): Uint8Array;
export function descriptor(sat: SummedArea, box: Box): Float32Array;
export const CROP_QUERIES: number[];
export const ROTATION_QUERIES: number[];
export const DESCRIPTORS_PER_IMAGE: number;
export function queryDescriptors(sat: SummedArea, box: Box, view: Uint8Array): Float32Array[];
export function nearRecord(image: GrayPixels, sat: SummedArea): { view: Uint8Array; codes: Int8Array };
export function flipDescriptor(desc: Float32Array): Float32Array;
export function centred(view: Uint8Array, flip?: boolean): Float32Array;
export interface ViewSearch {
  maxRotation: number;
  maxStretch: number;
  maxShift: number;
  marginFrac: number;
}
export const defaultSearch: ViewSearch;
export function compareViews(
  viewA: Uint8Array,
  viewB: Uint8Array,
  options?: { flip?: boolean; search?: Partial<ViewSearch>; coarseReject?: number; earlyReject?: number; stats?: { r16?: number; r32?: number }; start?: Partial<{ theta: number; sx: number; sy: number; tx: number; ty: number }> },
): number;
