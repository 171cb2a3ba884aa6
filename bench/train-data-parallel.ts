/**
 * Training throughput of @leakproof/trainer with `dataParallel` off (one training thread) vs on (gradients from
 * `workers` threads: this one and workers − 1 shard workers), same config otherwise: resnet-s at 128 px on ~300 real chest X-rays.
 *   node --import tsx bench/train-data-parallel.ts [--images 300] [--workers 2] [--epochs 1]
 * img/s is the trainer's own images_per_second of the last epoch (training steps only, no validation).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ImageRecord } from '@leakproof/ingest';
import { parseTrainConfig, train } from '@leakproof/trainer';

const DATA = resolve(import.meta.dirname, '../../shared/data/chest_xray_224');
const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const total = arg('images', 300);
const workers = arg('workers', 2);
const epochs = arg('epochs', 1);

if (!existsSync(join(DATA, 'train'))) {
  console.error(`${DATA}/train is absent; this bench needs the Kermany chest X-ray train folder`);
  process.exit(2);
}

/** The first total/2 files of each class (sorted names); every fifth goes to validation. Patient = file (a throughput bench, not a split). */
async function sampleImages(): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  for (const label of ['NORMAL', 'PNEUMONIA']) {
    const files = (await readdir(join(DATA, 'train', label))).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort().slice(0, Math.ceil(total / 2));
    files.forEach((file, i) => {
      records.push({ path: `train/${label}/${file}`, split: i % 5 === 4 ? 'val' : 'train', label, patient: `${label}-${file}`, size: 0, sha256: '0'.repeat(64), mtimeMs: 0 });
    });
  }
  return records;
}

async function imagesPerSecond(images: ImageRecord[], dataParallel: boolean): Promise<number> {
  const runDir = await mkdtemp(join(tmpdir(), 'leakproof-dp-bench-'));
  try {
    const config = parseTrainConfig({ model: 'resnet-s', imageSize: 128, epochs, workers, dataParallel, backend: 'wasm', earlyStopping: null });
    const result = await train({ root: DATA, images, config, runDir, handleSigint: false });
    return result.history.at(-1)?.images_per_second ?? Number.NaN;
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

const images = await sampleImages();
const trainCount = images.filter((r) => r.split === 'train').length;
console.log(`load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}; ${trainCount} training images (+${images.length - trainCount} val), resnet-s 128 px, batch 32, workers=${workers}, ${epochs} epoch(s)`);
const off = await imagesPerSecond(images, false);
console.log(`dataParallel off (one training thread): ${off.toFixed(1)} img/s`);
const on = await imagesPerSecond(images, true);
console.log(`dataParallel on (${workers} threads):  ${on.toFixed(1)} img/s`);
console.log(`ratio on/off: ${(on / off).toFixed(2)}×`);
