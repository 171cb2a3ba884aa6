import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';

/** `DICM` at offset 128, after the 128-byte preamble (DICOM Part 10). */
export function isDicom(head: Uint8Array): boolean {
  return head.length >= 132 && head[128] === 0x44 && head[129] === 0x49 && head[130] === 0x43 && head[131] === 0x4d;
}

export type PixelCodec = 'native' | 'native-big-endian' | 'jpeg-baseline' | 'jpeg-lossless' | 'rle';

/** Transfer syntaxes this package decodes, with the codec that handles each. */
export const supportedTransferSyntaxes: Record<string, { name: string; codec: PixelCodec }> = {
  '1.2.840.10008.1.2': { name: 'Implicit VR Little Endian', codec: 'native' },
  '1.2.840.10008.1.2.1': { name: 'Explicit VR Little Endian', codec: 'native' },
  '1.2.840.10008.1.2.1.99': { name: 'Deflated Explicit VR Little Endian', codec: 'native' },
  '1.2.840.10008.1.2.2': { name: 'Explicit VR Big Endian (retired)', codec: 'native-big-endian' },
  '1.2.840.10008.1.2.4.50': { name: 'JPEG Baseline (Process 1)', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.51': { name: 'JPEG Extended (Process 2 & 4)', codec: 'jpeg-baseline' },
  '1.2.840.10008.1.2.4.57': { name: 'JPEG Lossless, Non-Hierarchical (Process 14)', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.4.70': { name: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])', codec: 'jpeg-lossless' },
  '1.2.840.10008.1.2.5': { name: 'RLE Lossless', codec: 'rle' },
};

/** Names of the common syntaxes we do not decode, so the problem can say what the file is. */
const knownUnsupported: Record<string, string> = {
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile',
};

export function transferSyntaxName(uid: string): string {
  return supportedTransferSyntaxes[uid]?.name ?? knownUnsupported[uid] ?? 'unknown transfer syntax';
}

export const unsupportedSyntaxHint =
  'convert it to Explicit VR Little Endian first, e.g. `gdcmconv --raw in.dcm out.dcm` (GDCM) or `dcmdjp2k`/`dcmdjpls in.dcm out.dcm` (DCMTK), then re-run';

/** What the ingest and decoder need from a DICOM header. Identifiers stay raw only inside this module's callers. */
export interface DicomHeader {
  transferSyntax: string;
  codec: PixelCodec | undefined;
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  samplesPerPixel: number;
  planarConfiguration: number;
  photometric: string;
  rescaleSlope: number;
  rescaleIntercept: number;
  windowCenter: number | undefined;
  windowWidth: number | undefined;
  hasPixelData: boolean;
}

/** Raw identifiers of the file — PHI. Callers must pseudonymise them before they leave memory. */
export interface DicomIdentifiers {
  patientId?: string;
  studyUid?: string;
  seriesUid?: string;
}

export const PIXEL_DATA = 'x7fe00010';

const inflater = (bytes: Uint8Array, position: number): Uint8Array => {
  const inflated = inflateRawSync(bytes.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(bytes.subarray(0, position), 0);
  out.set(inflated, position);
  return out;
};

/**
 * Parses a Part 10 file with dicom-parser. `headerOnly` stops before the pixel data (enough for the tags,
 * and it works on the first bytes of a file that is too big to read at once).
 */
export function parseDicomDataSet(bytes: Uint8Array, headerOnly = false): DataSet {
  try {
    return dicomParser.parseDicom(bytes, { ...(headerOnly ? { untilTag: PIXEL_DATA } : {}), inflater: inflater as never });
  } catch (error) {
    // dicom-parser throws plain objects { exception, dataSet } mid-parse, which print as [object Object]
    const exception = (error as { exception?: unknown } | undefined)?.exception;
    throw typeof exception === 'string' ? new Error(exception) : error;
  }
}

const trimmed = (value: string | undefined): string | undefined => {
  const v = value?.replace(/\0/g, '').trim();
  return v ? v : undefined;
};

export function readHeader(ds: DataSet): DicomHeader {
  const transferSyntax = trimmed(ds.string('x00020010')) ?? '1.2.840.10008.1.2';
  const bitsAllocated = ds.uint16('x00280100') ?? 16;
  return {
    transferSyntax,
    codec: supportedTransferSyntaxes[transferSyntax]?.codec,
    rows: ds.uint16('x00280010') ?? 0,
    columns: ds.uint16('x00280011') ?? 0,
    bitsAllocated,
    bitsStored: ds.uint16('x00280101') ?? bitsAllocated,
    signed: ds.uint16('x00280103') === 1,
    samplesPerPixel: ds.uint16('x00280002') ?? 1,
    planarConfiguration: ds.uint16('x00280006') ?? 0,
    photometric: trimmed(ds.string('x00280004')) ?? 'MONOCHROME2',
    rescaleSlope: ds.floatString('x00281053') ?? 1,
    rescaleIntercept: ds.floatString('x00281052') ?? 0,
    // multi-valued windows list presets; the first is the one the modality recommends
    windowCenter: ds.floatString('x00281050', 0),
    windowWidth: ds.floatString('x00281051', 0),
    hasPixelData: ds.elements[PIXEL_DATA] !== undefined,
  };
}

export function readIdentifiers(ds: DataSet): DicomIdentifiers {
  const patientId = trimmed(ds.string('x00100020'));
  const studyUid = trimmed(ds.string('x0020000d'));
  const seriesUid = trimmed(ds.string('x0020000e'));
  return { ...(patientId ? { patientId } : {}), ...(studyUid ? { studyUid } : {}), ...(seriesUid ? { seriesUid } : {}) };
}

/** Why a header cannot be decoded by us, or undefined when it can. Never mentions identifiers. */
export function undecodableReason(header: DicomHeader): { kind: 'unsupported-transfer-syntax' | 'not-an-image'; message: string; hint: string } | undefined {
  if (!header.codec) {
    return {
      kind: 'unsupported-transfer-syntax',
      message: `DICOM transfer syntax ${header.transferSyntax} (${transferSyntaxName(header.transferSyntax)}) is not supported (supported: uncompressed, RLE lossless, JPEG baseline/extended 8-bit, JPEG lossless)`,
      hint: unsupportedSyntaxHint,
    };
  }
  if (!header.hasPixelData || header.rows === 0 || header.columns === 0) {
    return { kind: 'not-an-image', message: 'a DICOM file without image pixel data (a structured report, presentation state or similar)', hint: 'remove it from the image folders' };
  }
  if (header.samplesPerPixel !== 1 && header.samplesPerPixel !== 3) {
    return { kind: 'not-an-image', message: `DICOM samples per pixel ${header.samplesPerPixel} is not an image layout we read (1 or 3)`, hint: 'convert it to a grayscale DICOM or PNG' };
  }
  if (header.codec === 'jpeg-baseline' && header.bitsStored > 8) {
    return {
      kind: 'unsupported-transfer-syntax',
      message: `DICOM transfer syntax ${header.transferSyntax} (${transferSyntaxName(header.transferSyntax)}) with ${header.bitsStored}-bit samples is not supported (8-bit only)`,
      hint: unsupportedSyntaxHint,
    };
  }
  return undefined;
}
