import sharp from 'sharp';
import { hashImageFile, type HashOutcome } from './image-hash.js';

// One libvips thread per worker: the pool already puts one worker on each core.
sharp.concurrency(1);
sharp.cache(false);

export interface HashTask {
  paths: string[];
  maxPixels?: number;
}

export default async function hashBatch(task: HashTask): Promise<HashOutcome[]> {
  const out: HashOutcome[] = [];
  for (const path of task.paths) out.push(await hashImageFile(path, task.maxPixels));
  return out;
}
