import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeGray, DecodeError } from './decode.js';
import { encodeDicom, encodeJpegLossless } from './dicom-writer.js';
import { inspectImageFile } from './inspect-file.js';
import { encodeRleFrame } from './dicom-rle.js';

const ramp16 = (n: number, max: number): Uint16Array => Uint16Array.from({ length: n }, (_, i) => Math.round((i / (n - 1)) * max));

describe('DICOM decoding through decodeGray', () => {
  it('8-bit MONOCHROME2, implicit VR: stored values unchanged when no window is given and they span 0..255', async () => {
    const pixels = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const bytes = encodeDicom({ transferSyntax: '1.2.840.10008.1.2', rows: 4, columns: 4, pixels });
    const gray = await decodeGray(bytes);
    expect([gray.width, gray.height]).toEqual([4, 4]);
    expect([...gray.data]).toEqual([...pixels]);
  });

  it('MONOCHROME1 is inverted', async () => {
    const pixels = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const gray = await decodeGray(encodeDicom({ rows: 4, columns: 4, pixels, photometric: 'MONOCHROME1' }));
    expect([...gray.data]).toEqual([...pixels].map((v) => 255 - v));
  });

  it('16-bit: rescale slope/intercept then the first VOI window, to 8-bit', async () => {
    // stored 0..4000, slope 2 intercept -1000 → -1000..7000; window 3000 ± 1000 (first of two presets)
    const pixels = ramp16(64, 4000);
    const gray = await decodeGray(encodeDicom({ rows: 8, columns: 8, bitsAllocated: 16, bitsStored: 12, pixels, rescaleSlope: 2, rescaleIntercept: -1000, windowCenter: [3000, 500], windowWidth: [2000, 100] }));
    const expected = [...pixels].map((s) => {
      const v = s * 2 - 1000;
      const [low, high] = [3000 - 0.5 - 1999 / 2, 3000 - 0.5 + 1999 / 2];
      return v <= low ? 0 : v > high ? 255 : Math.round(((v - low) / (high - low)) * 255);
    });
    expect([...gray.data]).toEqual(expected);
    expect(gray.data[0]).toBe(0);
    expect(gray.data[63]).toBe(255);
    // bits above Bits Stored (old overlay planes) are not part of the value
    const overlaid = Uint16Array.from(pixels, (v) => v | 0xf000);
    const masked = await decodeGray(encodeDicom({ rows: 8, columns: 8, bitsAllocated: 16, bitsStored: 12, pixels: overlaid, rescaleSlope: 2, rescaleIntercept: -1000, windowCenter: [3000, 500], windowWidth: [2000, 100] }));
    expect([...masked.data]).toEqual(expected);
  });

  it('16-bit signed without a window: min–max of the rescaled values; MONOCHROME1 inverted', async () => {
    const pixels = Int16Array.from({ length: 16 }, (_, i) => -800 + i * 100);
    const gray = await decodeGray(encodeDicom({ rows: 4, columns: 4, bitsAllocated: 16, signed: true, pixels, photometric: 'MONOCHROME1' }));
    expect(gray.data[0]).toBe(255);
    expect(gray.data[15]).toBe(0);
    expect(gray.data[5]).toBe(255 - Math.round((500 / 1500) * 255));
  });

  it('JPEG baseline: the embedded frame is decoded by sharp, resized like any image', async () => {
    const raw = Buffer.from(Uint8Array.from({ length: 32 * 32 }, (_, i) => (i % 32) * 8));
    const jpeg = await sharp(raw, { raw: { width: 32, height: 32, channels: 1 } }).jpeg({ quality: 95 }).toBuffer();
    const bytes = encodeDicom({ transferSyntax: '1.2.840.10008.1.2.4.50', rows: 32, columns: 32, frame: jpeg });
    const full = await decodeGray(bytes);
    const direct = await decodeGray(jpeg);
    expect([...full.data]).toEqual([...direct.data]);
    const small = await decodeGray(bytes, { size: 16 });
    expect([small.width, small.height, small.data.length]).toEqual([16, 16, 256]);
  });

  it('JPEG lossless (process 14): 16-bit frame decoded exactly, then windowed like native data', async () => {
    const pixels = Uint16Array.from({ length: 12 * 10 }, (_, i) => (i * 37) % 4001);
    const frame = encodeJpegLossless(pixels, 12, 10, 16);
    const common = { rows: 10, columns: 12, bitsAllocated: 16 as const, bitsStored: 12, windowCenter: 2000, windowWidth: 4000 };
    const lossless = await decodeGray(encodeDicom({ ...common, transferSyntax: '1.2.840.10008.1.2.4.70', frame }));
    const native = await decodeGray(encodeDicom({ ...common, pixels }));
    expect([lossless.width, lossless.height]).toEqual([12, 10]);
    expect([...lossless.data]).toEqual([...native.data]);
    const eight = Uint8Array.from({ length: 64 }, (_, i) => (i * 29) % 256);
    const decoded8 = await decodeGray(encodeDicom({ rows: 8, columns: 8, transferSyntax: '1.2.840.10008.1.2.4.57', frame: encodeJpegLossless(eight, 8, 8, 8) }));
    expect([...decoded8.data]).toEqual([...eight]);
  });

  it('RLE lossless: 16-bit and 8-bit frames (runs and literals) decode to the native result', async () => {
    const pixels = Uint16Array.from({ length: 16 * 9 }, (_, i) => (i < 40 ? 1000 : (i * 53) % 4001));
    const common = { rows: 9, columns: 16, bitsAllocated: 16 as const, bitsStored: 12, windowCenter: 2000, windowWidth: 4000, photometric: 'MONOCHROME1' as const };
    const frame = encodeRleFrame(new Uint8Array(pixels.buffer), pixels.length, 2, 1);
    const rle = await decodeGray(encodeDicom({ ...common, transferSyntax: '1.2.840.10008.1.2.5', frame }));
    expect([...rle.data]).toEqual([...(await decodeGray(encodeDicom({ ...common, pixels }))).data]);
    const eight = Uint8Array.from({ length: 100 }, (_, i) => (i < 30 ? 7 : i * 2));
    const rle8 = await decodeGray(encodeDicom({ rows: 10, columns: 10, transferSyntax: '1.2.840.10008.1.2.5', frame: encodeRleFrame(eight, 100, 1, 1) }));
    expect([...rle8.data]).toEqual([...eight]);
  });

  it('a path without extension or with .dcm is sniffed and decoded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dicom-'));
    const bytes = encodeDicom({ rows: 4, columns: 4, pixels: new Uint8Array(16).fill(9).map((v, i) => v + i) });
    await writeFile(join(dir, 'IM0001'), bytes);
    await writeFile(join(dir, 'a.dcm'), bytes);
    expect((await decodeGray(join(dir, 'IM0001'))).width).toBe(4);
    expect((await decodeGray(join(dir, 'a.dcm'), { size: 8 })).width).toBe(8);
  });

  it('an unsupported transfer syntax names the UID, the syntax and the fix — at ingest and at decode', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dicom-'));
    const bytes = encodeDicom({ transferSyntax: '1.2.840.10008.1.2.4.90', rows: 4, columns: 4, frame: new Uint8Array([0xff, 0x4f, 0xff, 0x51]) });
    await writeFile(join(dir, 'j2k.dcm'), bytes);
    const inspection = await inspectImageFile(join(dir, 'j2k.dcm'), 1e6);
    expect(inspection).toMatchObject({ ok: false, kind: 'unsupported-transfer-syntax', message: expect.stringContaining('1.2.840.10008.1.2.4.90 (JPEG 2000 Image Compression (Lossless Only))'), hint: expect.stringContaining('gdcmconv') });
    await expect(decodeGray(bytes)).rejects.toMatchObject({ kind: 'unsupported-transfer-syntax' });
    await expect(decodeGray(bytes)).rejects.toBeInstanceOf(DecodeError);
  });

  it('truncated pixel data and the pixel limit are problems from the header, nothing decoded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dicom-'));
    const whole = encodeDicom({ rows: 64, columns: 64, pixels: new Uint8Array(4096) });
    await writeFile(join(dir, 'cut.dcm'), whole.subarray(0, whole.length - 1000));
    await writeFile(join(dir, 'big.dcm'), whole);
    expect(await inspectImageFile(join(dir, 'cut.dcm'), 1e6)).toMatchObject({ ok: false, kind: 'truncated' });
    // cut inside a 16-bit image's pixel data: dicom-parser's own exception, not '[object Object]'
    const deep = encodeDicom({ rows: 64, columns: 64, bitsAllocated: 16, pixels: new Uint16Array(4096) });
    await writeFile(join(dir, 'cut16.dcm'), deep.subarray(0, deep.length - 100));
    expect(await inspectImageFile(join(dir, 'cut16.dcm'), 1e6)).toMatchObject({ ok: false, kind: 'truncated', message: expect.stringMatching(/cannot be parsed \(truncated\?\): dicomParser.*buffer overrun$/) });
    await expect(decodeGray(join(dir, 'cut16.dcm'))).rejects.toMatchObject({ kind: 'truncated', message: expect.stringMatching(/buffer overrun$/) });
    expect(await inspectImageFile(join(dir, 'big.dcm'), 1000)).toMatchObject({ ok: false, kind: 'too-many-pixels' });
    expect(await inspectImageFile(join(dir, 'big.dcm'), 1e6)).toMatchObject({ ok: true, width: 64, height: 64 });
    await writeFile(join(dir, 'old.dcm'), whole.subarray(132));
    expect(await inspectImageFile(join(dir, 'old.dcm'), 1e6)).toMatchObject({ ok: false, kind: 'not-an-image', hint: expect.stringContaining('dcmconv') });
    await expect(decodeGray(join(dir, 'cut.dcm'))).rejects.toMatchObject({ kind: 'truncated' });
  });
});
