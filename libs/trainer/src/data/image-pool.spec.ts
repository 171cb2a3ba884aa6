import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageDecodeError, ImagePool } from './image-pool.js';

describe('ImagePool.decodeAll', () => {
  it('decodes every image and reports only files that fail again when decoded alone, with their own message', async () => {
    const root = await mkdtemp(join(tmpdir(), 'image-pool-'));
    const good = await sharp({ create: { width: 40, height: 40, channels: 3, background: { r: 128, g: 128, b: 128 } } }).jpeg().toBuffer();
    const paths: string[] = [];
    for (let i = 0; i < 6; i++) {
      paths.push(`ok${i}.jpeg`);
      await writeFile(join(root, `ok${i}.jpeg`), good);
    }
    await writeFile(join(root, 'broken.jpeg'), good.subarray(0, 60));
    const pool = new ImagePool(16, paths.length, 0);
    await pool.decodeAll(root, paths);
    expect(pool.bytes[0]).toBeGreaterThan(100);
    const withBroken = new ImagePool(16, paths.length + 1, 0);
    const error = await withBroken.decodeAll(root, [...paths, 'broken.jpeg']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageDecodeError);
    expect((error as ImageDecodeError).failures.map((f) => f.path)).toEqual(['broken.jpeg']);
  });
});
