/**
 * Listing + SHA-256 of the 5,216-file training split, warm (files in the page cache), against a naive
 * sequential loop (readdir, then readFile + hash one file at a time) measured in the same run.
 *   node --import tsx bench/ingest-manifest.ts [datasetRoot]
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildManifest } from '@leakproof/ingest';

const root = resolve(process.argv[2] ?? '../shared/data/chest_xray_224');
if (!existsSync(root)) {
  console.error(`dataset ${root} is absent; pass another root`);
  process.exit(0);
}

async function naive(): Promise<number> {
  let n = 0;
  for (const split of await readdir(root)) {
    for (const cls of await readdir(join(root, split))) {
      for (const file of await readdir(join(root, split, cls))) {
        createHash('sha256').update(await readFile(join(root, split, cls, file))).digest('hex');
        n++;
      }
    }
  }
  return n;
}

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
}

await naive(); // warm the page cache
const runs = 3;
const naiveMs: number[] = [];
const manifestMs: number[] = [];
let images = 0;
for (let i = 0; i < runs; i++) {
  naiveMs.push((await time(naive))[0]);
  const [ms, m] = await time(() => buildManifest(root));
  manifestMs.push(ms);
  images = m.images.length;
}
const best = (xs: number[]): number => Math.min(...xs);
console.log(`dataset: ${root} (${images} images)`);
console.log(`naive sequential list+hash: best ${best(naiveMs).toFixed(0)} ms of ${runs}`);
console.log(`buildManifest (list, hash, sniff, header checks, IDs): best ${best(manifestMs).toFixed(0)} ms of ${runs}`);
console.log(`speed-up vs naive: ${(best(naiveMs) / best(manifestMs)).toFixed(2)}×; target < 2000 ms: ${best(manifestMs) < 2000 ? 'met' : 'NOT met'}`);
