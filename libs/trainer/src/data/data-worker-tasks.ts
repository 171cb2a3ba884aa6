import { decodeGray } from '@leakproof/ingest';
import { augmentInto, type AugmentParams, type Normalisation } from './augment.js';
import { normaliseIntensity, type IntensityMode } from './intensity.js';

export interface DecodeTask {
  kind: 'decode';
  /** absolute paths, decoded into consecutive cache slots starting at firstSlot */
  paths: string[];
  slots: number[];
  size: number;
  cache: SharedArrayBuffer;
  /** per-image intensity normalisation applied right after decoding (absent = none) */
  intensity?: IntensityMode;
}

export interface AugmentTask {
  kind: 'augment';
  cache: SharedArrayBuffer;
  slots: number[];
  /** null = no augmentation (validation / prediction) */
  params: AugmentParams[] | null;
  size: number;
  norm: Normalisation;
}

export type DataTask = DecodeTask | AugmentTask;

export interface DecodeResult {
  kind: 'decode';
  /** per path: null when decoded, else the error message */
  errors: (string | null)[];
}

export async function runDecode(task: DecodeTask): Promise<DecodeResult> {
  const cache = new Uint8Array(task.cache);
  const pixels = task.size * task.size;
  const errors: (string | null)[] = [];
  for (let i = 0; i < task.paths.length; i++) {
    try {
      const image = await decodeGray(task.paths[i]!, { size: task.size });
      cache.set(image.data, task.slots[i]! * pixels);
      normaliseIntensity(cache, task.slots[i]! * pixels, task.size, task.intensity ?? 'none');
      errors.push(null);
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { kind: 'decode', errors };
}

export function runAugment(task: AugmentTask): Float32Array {
  const cache = new Uint8Array(task.cache);
  const pixels = task.size * task.size;
  const out = new Float32Array(task.slots.length * pixels);
  task.slots.forEach((slot, i) => {
    const params = task.params?.[i] ?? { angleRad: 0, scale: 1, tx: 0, ty: 0, flip: false, brightness: 0, contrast: 1 };
    augmentInto(cache, slot * pixels, task.size, params, task.norm, out, i * pixels);
  });
  return out;
}

export async function runDataTask(task: DataTask): Promise<DecodeResult | Float32Array> {
  return task.kind === 'decode' ? runDecode(task) : runAugment(task);
}
