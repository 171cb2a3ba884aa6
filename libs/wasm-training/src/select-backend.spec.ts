import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { BACKEND_ATTEMPTS, selectBackend, selectBackendFrom, type BackendAttempt } from './select-backend.js';

// The optional native packages (@tensorflow/tfjs-node, -gpu) may or may not be installed: the chain's
// behaviour is tested with native entries that fail to load, and the real chain only for what holds either way.
const absent = (backend: BackendAttempt['backend']): BackendAttempt => ({ backend, load: () => Promise.reject(new Error(`Cannot find package '@tensorflow/tfjs-node' (${backend})`)) });
const realTail = BACKEND_ATTEMPTS.filter((a) => a.backend === 'wasm' || a.backend === 'cpu');
const chain = [absent('tensorflow-gpu'), absent('tensorflow'), ...realTail];

describe('selectBackend', () => {
  it('falls back past native backends that do not load to wasm with leakproof kernels, naming each skip', async () => {
    const info = await selectBackendFrom(chain, {}, {});
    expect(info).toMatchObject({ name: 'wasm', kernels: 'leakproof-wasm', threads: 1 });
    expect(info.version).toMatch(/tfjs-backend-wasm@4\./);
    expect(info.skipped.map((s) => s.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(info.skipped[0]?.reason).toContain('Cannot find package');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('with the real chain, picks a backend that works and skips only backends before it', async () => {
    const info = await selectBackend({}, {});
    const order = BACKEND_ATTEMPTS.map((a) => a.backend);
    const chosen = info.version.includes('tfjs-node-gpu') ? 'tensorflow-gpu' : info.name === 'tensorflow' ? 'tensorflow' : info.name;
    expect(order).toContain(chosen);
    expect(info.skipped.map((s) => s.backend)).toEqual(order.slice(0, order.indexOf(chosen as (typeof order)[number])));
    expect(tf.getBackend()).toBe(info.name);
  });

  it('honours LEAKPROOF_BACKEND and reports threads', async () => {
    const info = await selectBackendFrom(chain, { threads: 2 }, { LEAKPROOF_BACKEND: 'cpu' });
    expect(info).toMatchObject({ name: 'cpu', kernels: 'cpu', threads: 2, skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects an unknown preference with a clear message', async () => {
    await expect(selectBackend({}, { LEAKPROOF_BACKEND: 'gpu' })).rejects.toThrow(/LEAKPROOF_BACKEND.*one of auto/);
  });
});
