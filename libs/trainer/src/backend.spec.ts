import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { trainingThreads } from './backend.js';
import { parseTrainConfig } from './config.js';

describe('training threads', () => {
  const wasm = { name: 'wasm', threads: 1 };

  it('counts one thread per data-parallel worker on wasm, and the backend\'s own threads otherwise', () => {
    const twoCores = availableParallelism() >= 2;
    expect(trainingThreads(parseTrainConfig({ workers: 2 }), wasm)).toBe(twoCores ? 2 : 1);
    expect(trainingThreads(parseTrainConfig({ workers: 3 }), wasm)).toBe(twoCores ? 3 : 1);
    expect(trainingThreads(parseTrainConfig({ workers: 2, dataParallel: false }), wasm)).toBe(1);
    expect(trainingThreads(parseTrainConfig({ workers: 0 }), wasm)).toBe(1);
    // tfjs-node threads its own kernels: data-parallel does not apply there
    expect(trainingThreads(parseTrainConfig({ workers: 2 }), { name: 'tensorflow', threads: 8 })).toBe(8);
  });
});
