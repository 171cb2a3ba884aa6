import { DecodeError } from './decode-types.js';

/**
 * DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment per
 * byte plane, most significant plane first. Returns the frame as little-endian interleaved bytes, the
 * layout of native pixel data, so the native path reads it unchanged.
 */
export function decodeRleFrame(frame: Uint8Array, pixels: number, bytesPerSample: number, samplesPerPixel: number): Uint8Array {
  if (frame.length < 64) throw new DecodeError('truncated', 'the RLE frame is shorter than its 64-byte header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerSample * samplesPerPixel || segments > 15) throw new DecodeError('truncated', `the RLE frame has ${segments} segments, ${bytesPerSample * samplesPerPixel} expected`);
  const out = new Uint8Array(pixels * segments);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    const plane = unpackBits(frame.subarray(start, end), pixels);
    // segment order: sample by sample, each from most to least significant byte
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    for (let i = 0; i < pixels; i++) out[(i * samplesPerPixel + sample) * bytesPerSample + byteInSample] = plane[i] as number;
  }
  return out;
}

function unpackBits(input: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let i = 0;
  let o = 0;
  while (o < length && i < input.length) {
    const n = (input[i++] as number) << 24 >> 24;
    if (n >= 0) {
      out.set(input.subarray(i, i + n + 1).subarray(0, length - o), o);
      o += n + 1;
      i += n + 1;
    } else if (n !== -128) {
      out.fill(input[i++] as number, o, Math.min(length, o - n + 1));
      o += -n + 1;
    }
  }
  if (o < length) throw new DecodeError('truncated', 'an RLE segment ends before the frame is complete');
  return out;
}

/** The matching encoder (runs of equal bytes as repeats, the rest as literals), for tests and synthetic data. */
export function encodeRleFrame(bytes: Uint8Array, pixels: number, bytesPerSample: number, samplesPerPixel: number): Buffer {
  const segments: Buffer[] = [];
  for (let s = 0; s < bytesPerSample * samplesPerPixel; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const plane = Uint8Array.from({ length: pixels }, (_, i) => bytes[(i * samplesPerPixel + sample) * bytesPerSample + byteInSample] as number);
    const packed: number[] = [];
    for (let i = 0; i < pixels; ) {
      let run = 1;
      while (i + run < pixels && run < 128 && plane[i + run] === plane[i]) run++;
      if (run >= 3) {
        packed.push((1 - run) & 0xff, plane[i] as number);
        i += run;
        continue;
      }
      let lit = 1;
      while (i + lit < pixels && lit < 128 && !(plane[i + lit] === plane[i + lit + 1] && plane[i + lit] === plane[i + lit + 2])) lit++;
      packed.push(lit - 1, ...plane.subarray(i, i + lit));
      i += lit;
    }
    if (packed.length % 2) packed.push(0x80); // even length; -128 is a no-op
    segments.push(Buffer.from(packed));
  }
  const header = Buffer.alloc(64);
  header.writeUInt32LE(segments.length, 0);
  let offset = 64;
  segments.forEach((seg, s) => {
    header.writeUInt32LE(offset, 4 + 4 * s);
    offset += seg.length;
  });
  return Buffer.concat([header, ...segments]);
}
