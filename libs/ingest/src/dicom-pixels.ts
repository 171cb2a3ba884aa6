import dicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { Decoder as LosslessDecoder } from 'jpeg-lossless-decoder-js';
import sharp from 'sharp';
import { DecodeError, type GrayImage } from './decode-types.js';
import { decodeRleFrame } from './dicom-rle.js';
import { PIXEL_DATA, isDicom, parseDicomDataSet, readHeader, undecodableReason, type DicomHeader } from './dicom-header.js';

type Samples = Uint8Array | Uint16Array | Int16Array;

/**
 * A DICOM file (first frame) → 8-bit grayscale at its own size: stored values → Modality LUT (rescale
 * slope/intercept) → VOI window (first Window Center/Width; min–max of the image when absent) → 8 bits,
 * MONOCHROME1 inverted so bone is always bright. Throws DecodeError with a kind the manifest uses.
 */
export async function decodeDicomGray(bytes: Uint8Array, maxPixels: number): Promise<GrayImage> {
  if (!isDicom(bytes)) throw new DecodeError('not-an-image', 'not a DICOM Part 10 file (no DICM marker at byte 128)');
  let ds: DataSet;
  try {
    ds = parseDicomDataSet(bytes);
  } catch (error) {
    throw new DecodeError('truncated', `the DICOM file cannot be parsed: ${String((error as Error).message ?? error)}`);
  }
  const header = readHeader(ds);
  const reason = undecodableReason(header);
  if (reason) throw new DecodeError(reason.kind, reason.message);
  if (header.rows * header.columns > maxPixels) {
    throw new DecodeError('too-many-pixels', `image exceeds the pixel limit of ${maxPixels.toLocaleString('en')} pixels (refused before decoding)`);
  }
  const element = ds.elements[PIXEL_DATA] as Element;
  const { samples, width, height, color } = await storedSamples(ds, element, header);
  const data = color ? samples : toGray8(samples, header);
  return { data: data as Uint8Array, width, height };
}

async function storedSamples(ds: DataSet, element: Element, header: DicomHeader): Promise<{ samples: Samples; width: number; height: number; color: boolean }> {
  const { rows: height, columns: width } = header;
  if (header.codec === 'jpeg-baseline') {
    const frame = firstFrame(ds, element);
    try {
      const { data, info } = await sharp(frame).toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      return { samples: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height, color: header.samplesPerPixel === 3 };
    } catch (error) {
      throw new DecodeError('truncated', `the DICOM's embedded JPEG cannot be decoded: ${(error as Error).message}`);
    }
  }
  if (header.codec === 'jpeg-lossless') {
    if (header.samplesPerPixel !== 1) throw new DecodeError('not-an-image', 'colour JPEG-lossless DICOM is not supported');
    const frame = firstFrame(ds, element);
    const bytesPerSample = header.bitsAllocated > 8 ? 2 : 1;
    let out: Uint8Array | Uint16Array;
    try {
      out = new LosslessDecoder().decode(frame.buffer as ArrayBuffer, frame.byteOffset, frame.length, bytesPerSample) as Uint8Array | Uint16Array;
    } catch (error) {
      throw new DecodeError('truncated', `the DICOM's JPEG-lossless frame cannot be decoded: ${(error as Error).message}`);
    }
    if (out.length < width * height) throw new DecodeError('truncated', 'the JPEG-lossless frame holds fewer pixels than Rows × Columns');
    const samples = header.signed && out instanceof Uint16Array ? new Int16Array(out.buffer, out.byteOffset, width * height) : out.subarray(0, width * height);
    return { samples, width, height, color: false };
  }
  if (header.codec === 'rle') {
    if (header.bitsAllocated !== 8 && header.bitsAllocated !== 16) throw new DecodeError('not-an-image', `RLE DICOM with ${header.bitsAllocated} bits allocated is not supported (8 or 16)`);
    const planes = decodeRleFrame(firstFrame(ds, element), width * height, header.bitsAllocated / 8, header.samplesPerPixel);
    return { ...nativeSamples(ds, element, { ...header, planarConfiguration: 0 }, planes), width, height };
  }
  return { ...nativeSamples(ds, element, header), width, height };
}

/** The first frame of encapsulated pixel data (all fragments when the file holds one frame). */
function firstFrame(ds: DataSet, element: Element): Uint8Array {
  const frames = ds.intString('x00280008') ?? 1;
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) throw new DecodeError('truncated', 'the encapsulated pixel data has no fragments');
  const bytes = frames <= 1 ? dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, 0, fragments.length) : dicomParser.readEncapsulatedImageFrame(ds, element, 0, element.basicOffsetTable?.length ? element.basicOffsetTable : dicomParser.createJPEGBasicOffsetTable(ds, element));
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Native pixel data, or `decoded` bytes laid out the same way (RLE). */
function nativeSamples(ds: DataSet, element: Element, header: DicomHeader, decoded?: Uint8Array): { samples: Samples; color: boolean } {
  const { rows, columns, bitsAllocated, samplesPerPixel } = header;
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw new DecodeError('not-an-image', `DICOM with ${bitsAllocated} bits allocated per sample is not supported (8 or 16)`);
  const n = rows * columns;
  const bytesPer = bitsAllocated / 8;
  const need = n * samplesPerPixel * bytesPer;
  const bytes = decoded ?? ds.byteArray;
  const start = decoded ? 0 : element.dataOffset;
  const available = decoded ? decoded.length : Math.min(element.length, ds.byteArray.length - element.dataOffset);
  if (available < need) throw new DecodeError('truncated', `the DICOM pixel data holds ${available} bytes, Rows × Columns needs ${need} (truncated file?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, need);
  if (samplesPerPixel === 3) return { samples: rgbToGray(view, n, header.planarConfiguration === 1), color: true };
  if (bitsAllocated === 8) return { samples: new Uint8Array(bytes.buffer, bytes.byteOffset + start, n).slice(), color: false };
  // an aligned copy read as 16-bit words (the pixel data may start at an odd offset)
  const copy = new Uint8Array(need);
  copy.set(new Uint8Array(bytes.buffer, bytes.byteOffset + start, need));
  if (header.codec === 'native-big-endian') for (let i = 0; i < need; i += 2) [copy[i], copy[i + 1]] = [copy[i + 1] as number, copy[i] as number];
  return { samples: header.signed ? new Int16Array(copy.buffer) : new Uint16Array(copy.buffer), color: false };
}

function rgbToGray(view: DataView, n: number, planar: boolean): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = planar ? [view.getUint8(i), view.getUint8(n + i), view.getUint8(2 * n + i)] : [view.getUint8(3 * i), view.getUint8(3 * i + 1), view.getUint8(3 * i + 2)];
    out[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return out;
}

/** Bits above Bits Stored are not part of the value (overlays lived there); signed values are sign-extended. */
function storedValue(raw: number, header: Pick<DicomHeader, 'bitsStored' | 'bitsAllocated' | 'signed'>): number {
  const { bitsStored, bitsAllocated } = header;
  if (bitsStored >= bitsAllocated || bitsStored <= 0) return raw;
  const masked = raw & ((1 << bitsStored) - 1);
  return header.signed ? (masked << (32 - bitsStored)) >> (32 - bitsStored) : masked;
}

type PixelHeader = Pick<DicomHeader, 'rescaleSlope' | 'rescaleIntercept' | 'windowCenter' | 'windowWidth' | 'photometric' | 'bitsStored' | 'bitsAllocated' | 'signed'>;

/**
 * Modality LUT, VOI window and photometric interpretation → 8-bit gray (DICOM PS3.3 C.11.2.1.2 linear
 * window), as one lookup table over every possible stored word (≤ 65,536 entries) applied in one pass.
 * Without a window: 8-bit data keeps its full stored range; deeper data is stretched min–max.
 */
export function toGray8(samples: Samples, header: PixelHeader): Uint8Array {
  const { rescaleSlope: slope, rescaleIntercept: intercept } = header;
  const offset = samples instanceof Int16Array ? 32768 : 0;
  const size = samples instanceof Uint8Array ? 256 : 65536;
  const modality = (index: number): number => storedValue(index - offset, header) * slope + intercept;
  let low: number;
  let high: number;
  if (header.windowCenter !== undefined && header.windowWidth !== undefined && header.windowWidth >= 1) {
    low = header.windowCenter - 0.5 - (header.windowWidth - 1) / 2;
    high = header.windowCenter - 0.5 + (header.windowWidth - 1) / 2;
  } else if (header.bitsStored <= 8) {
    // 8-bit data is already display data: the full stored range, so a PNG wrapped in DICOM decodes to the same pixels
    [low, high] = [intercept, 255 * slope + intercept];
  } else {
    const seen = new Uint8Array(size);
    for (let i = 0; i < samples.length; i++) seen[(samples[i] as number) + offset] = 1;
    [low, high] = [Infinity, -Infinity];
    for (let r = 0; r < size; r++) {
      if (!seen[r]) continue;
      const v = modality(r);
      if (v < low) low = v;
      if (v > high) high = v;
    }
  }
  const invert = header.photometric === 'MONOCHROME1';
  const range = high - low;
  const lut = new Uint8Array(size);
  for (let r = 0; r < size; r++) {
    const v = modality(r);
    const y = range <= 0 ? (v > low ? 255 : 0) : v <= low ? 0 : v > high ? 255 : Math.round(((v - low) / range) * 255);
    lut[r] = invert ? 255 - y : y;
  }
  const out = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = lut[(samples[i] as number) + offset] as number;
  return out;
}
