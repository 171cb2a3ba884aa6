import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFiles } from './hash-pool.js';
import { hashImageFile } from './image-hash.js';
import { fakeRadiograph, fakeRadiographJpeg } from './test-images.js';

let dir: string;
let paths: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hash-pool-'));
  const big = await sharp(fakeRadiograph(5, 256), { raw: { width: 256, height: 256, channels: 1 } }).resize(1100, 1000).png().toBuffer();
  const files: [string, Buffer][] = [
    ['a.jpeg', await fakeRadiographJpeg(1)],
    ['big.png', big],
    ['b.jpeg', await fakeRadiographJpeg(2, 224)],
    ['not-an-image.jpeg', Buffer.from('<html>404</html>')],
    ['c.jpeg', await fakeRadiographJpeg(3, 40)],
  ];
  await Promise.all(files.map(([name, bytes]) => writeFile(join(dir, name), bytes)));
  paths = [...files.map(([name]) => join(dir, name)), join(dir, 'missing.jpeg')];
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('hashFiles', () => {
  it('gives the same outcomes, in input order, on worker threads (plain-JS workers) and on this thread', async () => {
    const direct = await Promise.all(paths.map((p) => hashImageFile(p)));
    expect(direct.map((d) => d.ok)).toEqual([true, true, true, false, true, false]);
    expect(await hashFiles(paths, { workers: 2, fallback: false })).toEqual(direct);
    expect(await hashFiles(paths, { workers: 2, poolMinPixels: 1_000_000 })).toEqual(direct);
    expect(await hashFiles(paths, { workers: 1 })).toEqual(direct);
  });

  it('reports progress once per file and handles an empty list', async () => {
    const seen: number[] = [];
    await hashFiles(paths, { onDone: (n) => seen.push(n) });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await hashFiles([])).toEqual([]);
  });
});
