import { mulberry32 } from '@leakproof/core';
import * as tf from '@tensorflow/tfjs';
import { useWasmBackend } from './wasm-backend.js';

/** Deterministic PRNG (the shared mulberry32) so randomised gradient checks are reproducible. */
export const rng: (seed: number) => () => number = mulberry32;

export function randomArray(next: () => number, size: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

export function randInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/** Runs fn on a backend and returns plain arrays, leaving no tensors behind. */
export async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  if (name === 'wasm') await useWasmBackend();
  else await tf.setBackend('cpu');
  return fn();
}

export function arraysOf(ts: tf.Tensor[]): Float32Array[] {
  const out = ts.map((t) => t.dataSync() as Float32Array);
  for (const t of ts) t.dispose();
  return out;
}

/** Largest |a−b| relative to max(1, |b|∞). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i] as number));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst / scale;
}
