import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './select-backend.js';

describe('selectBackend', () => {
  it('falls back past the absent native backends to wasm with leakproof kernels', async () => {
    const info = await selectBackend({}, {});
    expect(info.name).toBe('wasm');
    expect(info.kernels).toBe('leakproof-wasm');
    expect(info.version).toMatch(/tfjs-backend-wasm@4\./);
    expect(info.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(tf.getBackend()).toBe('wasm');
  });
  it('honours LEAKPROOF_BACKEND and reports threads', async () => {
    const info = await selectBackend({ threads: 2 }, { LEAKPROOF_BACKEND: 'cpu' });
    expect(info).toMatchObject({ name: 'cpu', kernels: 'cpu', threads: 2, skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });
  it('rejects an unknown preference with a clear message', async () => {
    await expect(selectBackend({}, { LEAKPROOF_BACKEND: 'gpu' })).rejects.toThrow(/LEAKPROOF_BACKEND.*one of auto/);
  });
});
