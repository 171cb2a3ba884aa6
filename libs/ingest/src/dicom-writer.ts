/**
 * A minimal DICOM Part 10 writer for tests and synthetic datasets (no real data needed): little-endian
 * implicit or explicit VR, native or encapsulated (one-frame) pixel data, and the tags the ingest reads.
 */
export interface DicomFixture {
  /** default Explicit VR Little Endian */
  transferSyntax?: string;
  rows: number;
  columns: number;
  bitsAllocated?: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  photometric?: 'MONOCHROME1' | 'MONOCHROME2' | 'RGB' | 'YBR_FULL_422';
  samplesPerPixel?: 1 | 3;
  /** native pixel data (row-major) */
  pixels?: Uint8Array | Uint16Array | Int16Array;
  /** one encapsulated frame (e.g. a JPEG) for compressed transfer syntaxes */
  frame?: Uint8Array;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  windowCenter?: number | number[];
  windowWidth?: number | number[];
  patientId?: string;
  patientName?: string;
  birthDate?: string;
  studyUid?: string;
  seriesUid?: string;
  /** bytes of a private element before the patient module, to make a header larger than a first read */
  privateBytes?: number;
}

interface El {
  tag: number;
  vr: string;
  value: Buffer;
  undefinedLength?: boolean;
}

const IMPLICIT = '1.2.840.10008.1.2';
const longVrs = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function str(tag: number, vr: string, text: string): El {
  const pad = vr === 'UI' ? '\0' : ' ';
  return { tag, vr, value: Buffer.from(text.length % 2 ? text + pad : text, 'latin1') };
}

function us(tag: number, value: number): El {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return { tag, vr: 'US', value: b };
}

function ul(tag: number, value: number): El {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return { tag, vr: 'UL', value: b };
}

function encode(el: El, explicit: boolean): Buffer {
  const head = Buffer.alloc(explicit ? (longVrs.has(el.vr) ? 12 : 8) : 8);
  head.writeUInt16LE(el.tag >>> 16, 0);
  head.writeUInt16LE(el.tag & 0xffff, 2);
  const length = el.undefinedLength ? 0xffffffff : el.value.length;
  if (!explicit) head.writeUInt32LE(length, 4);
  else {
    head.write(el.vr, 4, 'latin1');
    if (longVrs.has(el.vr)) head.writeUInt32LE(length, 8);
    else head.writeUInt16LE(length, 6);
  }
  return Buffer.concat([head, el.value]);
}

/** Basic offset table item (empty), one fragment item, sequence delimiter. */
function encapsulate(frame: Uint8Array): Buffer {
  const item = (data: Uint8Array): Buffer => {
    const padded = data.length % 2 ? Buffer.concat([Buffer.from(data), Buffer.alloc(1)]) : Buffer.from(data);
    const head = Buffer.alloc(8);
    head.writeUInt16LE(0xfffe, 0);
    head.writeUInt16LE(0xe000, 2);
    head.writeUInt32LE(padded.length, 4);
    return Buffer.concat([head, padded]);
  };
  const delimiter = Buffer.alloc(8);
  delimiter.writeUInt16LE(0xfffe, 0);
  delimiter.writeUInt16LE(0xe0dd, 2);
  return Buffer.concat([item(new Uint8Array(0)), item(frame), delimiter]);
}

export function encodeDicom(f: DicomFixture): Buffer {
  const ts = f.transferSyntax ?? '1.2.840.10008.1.2.1';
  const explicit = ts !== IMPLICIT;
  const bits = f.bitsAllocated ?? 8;
  const spp = f.samplesPerPixel ?? 1;
  const ds = (v: number | number[]): string => (Array.isArray(v) ? v : [v]).join('\\');
  const elements: El[] = [
    str(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.1.1'),
    str(0x00080018, 'UI', '1.2.826.0.1.3680043.8.498.1'),
    str(0x00080060, 'CS', 'DX'),
    ...(f.privateBytes ? [str(0x00090010, 'LO', 'LEAKPROOF TEST'), { tag: 0x00091000, vr: 'OB', value: Buffer.alloc(f.privateBytes + (f.privateBytes % 2), 0x55) }] : []),
    ...(f.patientName !== undefined ? [str(0x00100010, 'PN', f.patientName)] : []),
    ...(f.patientId !== undefined ? [str(0x00100020, 'LO', f.patientId)] : []),
    ...(f.birthDate !== undefined ? [str(0x00100030, 'DA', f.birthDate)] : []),
    ...(f.studyUid !== undefined ? [str(0x0020000d, 'UI', f.studyUid)] : []),
    ...(f.seriesUid !== undefined ? [str(0x0020000e, 'UI', f.seriesUid)] : []),
    us(0x00280002, spp),
    str(0x00280004, 'CS', f.photometric ?? (spp === 3 ? 'RGB' : 'MONOCHROME2')),
    ...(spp === 3 ? [us(0x00280006, 0)] : []),
    us(0x00280010, f.rows),
    us(0x00280011, f.columns),
    us(0x00280100, bits),
    us(0x00280101, f.bitsStored ?? bits),
    us(0x00280102, (f.bitsStored ?? bits) - 1),
    us(0x00280103, f.signed ? 1 : 0),
    ...(f.windowCenter !== undefined ? [str(0x00281050, 'DS', ds(f.windowCenter))] : []),
    ...(f.windowWidth !== undefined ? [str(0x00281051, 'DS', ds(f.windowWidth))] : []),
    ...(f.rescaleIntercept !== undefined ? [str(0x00281052, 'DS', String(f.rescaleIntercept))] : []),
    ...(f.rescaleSlope !== undefined ? [str(0x00281053, 'DS', String(f.rescaleSlope))] : []),
  ];
  if (f.frame) elements.push({ tag: 0x7fe00010, vr: 'OB', value: encapsulate(f.frame), undefinedLength: true });
  else if (f.pixels) {
    const raw = Buffer.from(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength);
    elements.push({ tag: 0x7fe00010, vr: bits === 8 ? 'OB' : 'OW', value: raw.length % 2 ? Buffer.concat([raw, Buffer.alloc(1)]) : raw });
  }
  const meta = [str(0x00020001 as number, 'OB', '\0\x01'), str(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.1.1'), str(0x00020003, 'UI', '1.2.826.0.1.3680043.8.498.1'), str(0x00020010, 'UI', ts)];
  const metaBytes = Buffer.concat(meta.map((e) => encode(e, true)));
  const groupLength = encode(ul(0x00020000, metaBytes.length), true);
  const body = Buffer.concat(elements.sort((a, b) => a.tag - b.tag).map((e) => encode(e, explicit)));
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, metaBytes, body]);
}

/**
 * A minimal JPEG lossless (process 14, selection value 1, one component) encoder, so tests can wrap
 * lossless frames without shipping files: every difference category gets a 5-bit Huffman code.
 */
export function encodeJpegLossless(samples: Uint8Array | Uint16Array, width: number, height: number, precision: number): Buffer {
  const bytes: number[] = [];
  const segment = (marker: number, body: number[]): void => {
    bytes.push(0xff, marker, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body);
  };
  bytes.push(0xff, 0xd8);
  const counts = new Array<number>(16).fill(0);
  counts[4] = 17; // 17 codes of length 5: 00000 … 10000
  segment(0xc4, [0x00, ...counts, ...Array.from({ length: 17 }, (_, i) => i)]);
  segment(0xc3, [precision, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]);
  segment(0xda, [1, 1, 0x00, 1, 0, 0]);
  let acc = 0;
  let nbits = 0;
  const put = (value: number, length: number): void => {
    for (let i = length - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1);
      if (++nbits === 8) {
        bytes.push(acc);
        if (acc === 0xff) bytes.push(0);
        acc = 0;
        nbits = 0;
      }
    }
  };
  const at = (x: number, y: number): number => samples[y * width + x] as number;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const prediction = x === 0 && y === 0 ? 1 << (precision - 1) : y === 0 ? at(x - 1, y) : x === 0 ? at(x, y - 1) : at(x - 1, y);
      const diff = at(x, y) - prediction;
      const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      put(category, 5);
      if (category > 0 && category < 16) put(diff > 0 ? diff : diff - 1 + (1 << category), category);
    }
  }
  if (nbits > 0) put(0xff, 8 - nbits);
  bytes.push(0xff, 0xd9);
  return Buffer.from(bytes);
}
