import sharp from 'sharp';

/**
 * A deterministic radiograph-like test image: a smooth field of blobs and a gradient (like anatomy), so
 * blockhash and correlation behave as on real X-rays. Different seeds give unrelated images.
 */
export function fakeRadiograph(seed: number, size = 128): Buffer {
  let s = seed * 2654435761 + 1;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const blobs = Array.from({ length: 10 }, () => ({ x: rand(), y: rand(), r: 0.05 + rand() * 0.2, a: (rand() - 0.5) * 2 }));
  const gx = rand() - 0.5;
  const gy = rand() - 0.5;
  const values = new Float64Array(size * size);
  let min = Infinity;
  let max = -Infinity;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      let f = gx * u + gy * v;
      for (const b of blobs) f += b.a * Math.exp(-((u - b.x) ** 2 + (v - b.y) ** 2) / (2 * b.r * b.r));
      values[y * size + x] = f;
      min = Math.min(min, f);
      max = Math.max(max, f);
    }
  }
  const out = Buffer.alloc(size * size);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(20 + (((values[i] as number) - min) / (max - min || 1)) * 215);
  return out;
}

export async function fakeRadiographJpeg(seed: number, size = 128, quality = 92): Promise<Buffer> {
  return sharp(fakeRadiograph(seed, size), { raw: { width: size, height: size, channels: 1 } }).jpeg({ quality }).toBuffer();
}
