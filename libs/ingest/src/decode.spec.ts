import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { decodeGray, DecodeError } from './decode.js';

const W = 48;
const H = 32;

/** left half dark (40), right half bright (200), as 8-bit gray raw */
function halves(width = W, height = H): Buffer {
  const px = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) px[y * width + x] = x < width / 2 ? 40 : 200;
  return px;
}
const gray = (width = W, height = H) => sharp(halves(width, height), { raw: { width, height, channels: 1 } });

function meanOf(data: Uint8Array, width: number, x0: number, x1: number, height: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < height; y++) for (let x = x0; x < x1; x++) {
    sum += data[y * width + x] as number;
    n++;
  }
  return sum / n;
}

async function expectHalves(input: Buffer, tolerance = 8): Promise<void> {
  const img = await decodeGray(input);
  expect([img.width, img.height]).toEqual([W, H]);
  expect(img.data.length).toBe(W * H);
  expect(Math.abs(meanOf(img.data, W, 2, W / 2 - 2, H) - 40)).toBeLessThan(tolerance);
  expect(Math.abs(meanOf(img.data, W, W / 2 + 2, W - 2, H) - 200)).toBeLessThan(tolerance);
}

async function expectFailure(input: Buffer | string, kind: DecodeError['kind'], maxPixels?: number): Promise<void> {
  const error = await decodeGray(input, maxPixels ? { maxPixels } : {}).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DecodeError);
  expect((error as DecodeError).kind).toBe(kind);
}

describe('decodeGray: every format and colour space to 8-bit gray', () => {
  it('gray JPEG', async () => expectHalves(await gray().jpeg({ quality: 95 }).toBuffer()));
  it('RGB JPEG with R=G=B (like the Kermany set)', async () => expectHalves(await gray().toColourspace('srgb').jpeg({ quality: 95 }).toBuffer()));
  // gray → CMYK → gray through the default profile is not exact at the bright end; the dark end shows
  // whether the CMYK→sRGB conversion is the inverse of the writer's (a naive one gives ~16 for 40)
  it('CMYK JPEG', async () => expectHalves(await gray().toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(), 14));
  it('16-bit RGB PNG', async () => {
    const px = new Uint16Array(W * H * 3);
    for (let i = 0; i < W * H; i++) px.fill(i % W < W / 2 ? 40 * 257 : 200 * 257, i * 3, i * 3 + 3);
    await expectHalves(await sharp(px, { raw: { width: W, height: H, channels: 3 } }).toColourspace('rgb16').png().toBuffer(), 2);
  });
  it('8-bit PNG', async () => expectHalves(await gray().png().toBuffer(), 1));
  it('16-bit PNG is scaled to 8 bits, not clipped', async () => {
    const px = new Uint16Array(W * H);
    for (let i = 0; i < W * H; i++) px[i] = i % W < W / 2 ? 40 * 257 : 200 * 257;
    const png = await sharp(px, { raw: { width: W, height: H, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const meta = await sharp(png).metadata();
    expect(meta.depth).toBe('ushort');
    await expectHalves(png, 2);
  });
  it('RGBA PNG: alpha is flattened onto black', async () => {
    const rgba = Buffer.alloc(W * H * 4);
    for (let i = 0; i < W * H; i++) {
      const v = (i % W) < W / 2 ? 40 : 200;
      rgba.set([v, v, v, 255], i * 4);
    }
    rgba[3] = 0; // one transparent pixel must not break anything
    await expectHalves(await sharp(rgba, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer(), 2);
  });
  it('WebP (lossless and lossy)', async () => {
    await expectHalves(await gray().webp({ lossless: true }).toBuffer(), 1);
    await expectHalves(await gray().webp({ quality: 90 }).toBuffer(), 10);
  });
  it('TIFF 8-bit and 16-bit', async () => {
    await expectHalves(await gray().tiff().toBuffer(), 1);
    await expectHalves(await gray().toColourspace('grey16').tiff().toBuffer(), 2);
  });
  it('EXIF orientation is applied (a 90° tag swaps width and height)', async () => {
    const tagged = await gray().jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeGray(tagged);
    expect([img.width, img.height]).toEqual([H, W]);
    // rotated 90° clockwise: the dark left half becomes the top half
    expect(meanOf(img.data, H, 0, H, 4)).toBeLessThan(80);
  });
  it('resizes to the requested size', async () => {
    const img = await decodeGray(await gray().png().toBuffer(), { size: 16 });
    expect([img.width, img.height, img.data.length]).toEqual([16, 16, 256]);
    const rect = await decodeGray(await gray().png().toBuffer(), { size: { width: 20, height: 10 } });
    expect([rect.width, rect.height]).toEqual([20, 10]);
  });
});

describe('decodeGray: bad input is a DecodeError with a kind, never a crash', () => {
  it('empty buffer and empty file', async () => {
    await expectFailure(Buffer.alloc(0), 'empty-file');
  });
  it('not an image', async () => expectFailure(Buffer.from('<html>404</html>'), 'not-an-image'));
  it('truncated JPEG and PNG', async () => {
    const jpeg = await gray(256, 256).jpeg().toBuffer();
    await expectFailure(jpeg.subarray(0, jpeg.length >> 1), 'truncated');
    const noisy = Buffer.alloc(256 * 256);
    for (let i = 0; i < noisy.length; i++) noisy[i] = (i * 7919) % 251;
    const png = await sharp(noisy, { raw: { width: 256, height: 256, channels: 1 } }).png().toBuffer();
    await expectFailure(png.subarray(0, png.length >> 1), 'truncated');
  });
  it('too many pixels is refused from the header', async () => expectFailure(await gray(100, 100).png().toBuffer(), 'too-many-pixels', 5_000));
  it('missing file', async () => expectFailure('/nonexistent/x.jpeg', 'unreadable'));
});
