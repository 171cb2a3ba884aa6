import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bmvbhash } from 'blockhash-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeGray } from '@leakproof/ingest';
import { hammingHex } from './bits.js';
import { blockhashes, blockhashGray, hashImageFile, pixelHash } from './image-hash.js';
import { fakeRadiographJpeg } from './test-images.js';

const realTrain = join(import.meta.dirname, '../../../../shared/data/chest_xray_224/train');
const haveReal = existsSync(realTrain);
if (!haveReal) console.warn(`skipping real X-ray hash spread test: ${realTrain} is absent`);

function meanPairwise(codes: string[]): { mean: number; min: number; distinct: number } {
  let sum = 0;
  let n = 0;
  let min = 256;
  for (let i = 0; i < codes.length; i++) {
    for (let j = i + 1; j < codes.length; j++) {
      const d = hammingHex(codes[i] as string, codes[j] as string);
      sum += d;
      n++;
      min = Math.min(min, d);
    }
  }
  return { mean: sum / n, min, distinct: new Set(codes).size };
}

describe('image hashes', () => {
  it('pixel hash is equal for a JPEG and its lossless PNG re-encode, and differs after any pixel change', async () => {
    const jpeg = await fakeRadiographJpeg(1);
    const png = await sharp(jpeg).png().toBuffer();
    const brighter = await sharp(jpeg).linear(1.01, 1).png().toBuffer();
    const [a, b, c] = await Promise.all([decodeGray(jpeg), decodeGray(png), decodeGray(brighter)]);
    expect(pixelHash(a)).toBe(pixelHash(b));
    expect(pixelHash(a)).not.toBe(pixelHash(c));
  });

  it('blockhash codes are 256-bit hex with crop variants, and edits land close while other images land far', async () => {
    const jpeg = await fakeRadiographJpeg(2);
    const base = blockhashes(await decodeGray(jpeg));
    expect(base.block).toMatch(/^[0-9a-f]{64}$/);
    expect(base.cropBlocks).toHaveLength(2);
    const resized = blockhashGray(await decodeGray(await sharp(jpeg).resize(100, 100).jpeg({ quality: 60 }).toBuffer()));
    expect(hammingHex(base.block, resized)).toBeLessThanOrEqual(8);
    const cropped = blockhashGray(await decodeGray(await sharp(jpeg).extract({ left: 3, top: 3, width: 122, height: 122 }).toBuffer()));
    expect(Math.min(...base.cropBlocks.map((c) => hammingHex(c, cropped)))).toBeLessThanOrEqual(12);
    const other = blockhashGray(await decodeGray(await fakeRadiographJpeg(3)));
    expect(hammingHex(base.block, other)).toBeGreaterThan(40);
  });

  it('reports undecodable files instead of throwing', async () => {
    const out = await hashImageFile(join(import.meta.dirname, 'no-such-file.jpeg'));
    expect(out.ok).toBe(false);
  });

  it.skipIf(!haveReal)('codes are well spread on real chest X-rays (RGBA input), unlike a 1-channel buffer fed as-is', async () => {
    const files = ['NORMAL', 'PNEUMONIA'].flatMap((c) => readdirSync(join(realTrain, c)).slice(0, 40).map((f) => join(realTrain, c, f)));
    const images = await Promise.all(files.map((f) => decodeGray(f)));
    const rgba = meanPairwise(images.map((g) => blockhashGray(g)));
    expect(rgba.distinct).toBe(files.length);
    expect(rgba.mean).toBeGreaterThan(45);
    expect(rgba.min).toBeGreaterThan(4);
    // the mistake the issue warns about: blockhash reads 4 bytes per pixel, so a gray buffer collapses
    const oneChannel = meanPairwise(images.map((g) => bmvbhash({ width: g.width, height: g.height, data: g.data }, 16)));
    console.info(`blockhash spread on ${files.length} real X-rays: RGBA mean ${rgba.mean.toFixed(1)} bits (min ${rgba.min}); 1-channel mean ${oneChannel.mean.toFixed(1)}, ${oneChannel.distinct} distinct`);
    expect(oneChannel.mean).toBeLessThan(rgba.mean / 2);
  });
});
