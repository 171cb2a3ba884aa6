import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll } from 'vitest';
import type { ImageRecord } from '@leakproof/ingest';
import { Rng } from './rng.js';

/**
 * A learnable toy radiograph set: PNEUMONIA images carry a bright blurred blob somewhere in the middle,
 * NORMAL ones only noise. Written as PNGs so the real decode path is exercised.
 */
export async function writeSyntheticDataset(options: { perClass: number; valPerClass: number; size?: number; seed?: number }): Promise<{ root: string; images: ImageRecord[] }> {
  const size = options.size ?? 40;
  const root = await mkdtemp(join(tmpdir(), 'leakproof-trainer-'));
  const rng = Rng.fromSeed(options.seed ?? 1, 'synthetic');
  const images: ImageRecord[] = [];
  let patient = 0;
  for (const split of ['train', 'val'] as const) {
    const count = split === 'train' ? options.perClass : options.valPerClass;
    for (const label of ['NORMAL', 'PNEUMONIA'] as const) {
      await mkdir(join(root, split, label), { recursive: true });
      for (let i = 0; i < count; i++) {
        const pixels = new Uint8Array(size * size);
        const cx = size * rng.uniform(0.35, 0.65);
        const cy = size * rng.uniform(0.35, 0.65);
        for (let y = 0; y < size; y++) {
          for (let x = 0; x < size; x++) {
            const blob = label === 'PNEUMONIA' ? 150 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * (size / 8) ** 2)) : 0;
            pixels[y * size + x] = Math.min(255, Math.round(40 + rng.uniform(0, 60) + blob));
          }
        }
        const path = `${split}/${label}/p${patient}-${i}.png`;
        await sharp(Buffer.from(pixels), { raw: { width: size, height: size, channels: 1 } }).png().toFile(join(root, path));
        images.push({ path, split, label, patient: `p${patient++}`, size: 0, sha256: '0'.repeat(64), mtimeMs: 0 });
      }
    }
  }
  return { root, images };
}

/**
 * The synthetic set of `writeSyntheticDataset`, written before the file's tests and removed after them.
 * Read `root` and `images` inside tests or hooks: they are filled in by `beforeAll`.
 */
export function useSyntheticDataset(options: Parameters<typeof writeSyntheticDataset>[0]): { root: string; images: ImageRecord[] } {
  const dataset = { root: '', images: [] as ImageRecord[] };
  beforeAll(async () => {
    Object.assign(dataset, await writeSyntheticDataset(options));
  });
  afterAll(async () => {
    if (dataset.root) await rm(dataset.root, { recursive: true, force: true });
  });
  return dataset;
}
