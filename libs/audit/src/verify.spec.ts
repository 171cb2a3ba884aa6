import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeGray } from '@leakproof/ingest';
import { normalise, similarity, THUMB_SIZE } from './verify.js';
import { fakeRadiographJpeg } from './test-images.js';

async function thumb(buf: Buffer) {
  const g = await decodeGray(buf, { size: THUMB_SIZE });
  return normalise(g.data, THUMB_SIZE);
}

describe('near-duplicate verification', () => {
  it('accepts resizes, re-quality, brightness and small crops; rejects different images', async () => {
    const src = await fakeRadiographJpeg(7, 224);
    const a = await thumb(src);
    const edits = {
      resize: await sharp(src).resize(200, 200).jpeg({ quality: 60 }).toBuffer(),
      brighter: await sharp(src).linear(1.12, 0).jpeg().toBuffer(),
      crop2: await sharp(src).extract({ left: 4, top: 4, width: 216, height: 216 }).jpeg().toBuffer(),
      cropAsym: await sharp(src).extract({ left: 7, top: 2, width: 210, height: 215 }).jpeg().toBuffer(),
    };
    for (const [name, buf] of Object.entries(edits)) {
      const b = await thumb(buf);
      expect.soft(similarity(a, b, undefined, [1, 0.96]), name).toBeGreaterThan(0.97);
    }
    for (const seed of [8, 9, 10]) expect(similarity(a, await thumb(await fakeRadiographJpeg(seed, 224)))).toBeLessThan(0.9);
  });
});
