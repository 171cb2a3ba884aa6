import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { bmvbhash } from 'blockhash-core';
import { describe, expect, it } from 'vitest';
import { decodeGray, type GrayImage } from '@leakproof/ingest';
import { blockhashBase, blockhashCropped } from './hash-worker-kernel.mjs';

const realTrain = join(import.meta.dirname, '../../../../shared/data/chest_xray_224/train');
const haveReal = existsSync(realTrain);
if (!haveReal) console.warn(`skipping the real X-ray blockhash equality test: ${realTrain} is absent`);

/** The reference: blockhash-core itself on the (downsampled, cropped) image expanded to opaque RGBA. */
function referenceBlockhash(image: GrayImage, cropPerSide: number): string {
  const base = blockhashBase(image);
  const left = Math.round(base.width * cropPerSide);
  const top = Math.round(base.height * cropPerSide);
  const width = Math.max(16, base.width - 2 * left);
  const height = Math.max(16, base.height - 2 * top);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = base.data[(y + top) * base.width + left + x] as number;
      rgba.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return bmvbhash({ width, height, data: rgba }, 16);
}

function randomImage(width: number, height: number, seed: number): GrayImage {
  let s = seed >>> 0;
  const data = new Uint8Array(width * height);
  // smooth-ish content so block sums sit near the band medians (where a rounding slip would show)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[y * width + x] = (((x * 7 + y * 3) >> 3) + (s >>> 29)) & 255;
    }
  }
  return { data, width, height };
}

const crops = [0, 0.02, 0.04, 0.1];

describe('gray blockhash kernel equals blockhash-core on RGBA, bit for bit', () => {
  it('on synthetic images of even, odd, tiny and oversized shapes', () => {
    const shapes = [[224, 224], [216, 206], [17, 40], [5, 3], [33, 31], [100, 257], [640, 480], [1023, 777], [1500, 90]] as const;
    shapes.forEach(([w, h], k) => {
      const image = randomImage(w, h, k + 1);
      for (const c of crops) expect(blockhashCropped(blockhashBase(image), c), `${w}×${h} crop ${c}`).toBe(referenceBlockhash(image, c));
    });
    // flat images: every block equals the median, the tie rule decides every bit
    for (const v of [0, 127, 128, 255]) {
      const flat = { data: new Uint8Array(48 * 40).fill(v), width: 48, height: 40 };
      for (const c of crops) expect(blockhashCropped(blockhashBase(flat), c)).toBe(referenceBlockhash(flat, c));
    }
  });

  it.skipIf(!haveReal)('on real chest X-rays', async () => {
    const files = ['NORMAL', 'PNEUMONIA'].flatMap((c) => readdirSync(join(realTrain, c)).slice(0, 30).map((f) => join(realTrain, c, f)));
    for (const file of files) {
      const image = await decodeGray(file);
      for (const c of crops) expect(blockhashCropped(blockhashBase(image), c), `${file} crop ${c}`).toBe(referenceBlockhash(image, c));
    }
  });
});
