import { describe, expect, it } from 'vitest';
import { defaultDescriptorSearch, descriptorCandidates, type DescriptorItem } from './near-index.js';
import { DESCRIPTOR_DIMS, DESCRIPTORS_PER_IMAGE } from './near-kernel.mjs';
import { KMeansTree } from './near-tree.js';

/** seeded descriptor codes; every 25th image is a noisy copy of the one before it */
function codes(n: number, seed: number): { items: DescriptorItem[]; copies: [number, number][] } {
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const noise = (): number => (rnd() + rnd() + rnd() - 1.5) * 40;
  const items: DescriptorItem[] = [];
  const copies: [number, number][] = [];
  for (let index = 0; index < n; index++) {
    const from = index % 25 === 24 ? (items[index - 1] as DescriptorItem).codes : null;
    const base = Array.from({ length: DESCRIPTOR_DIMS }, (_, d) => (from ? (from[d] as number) + noise() * 0.1 : noise()));
    const c = new Int8Array(DESCRIPTOR_DIMS * DESCRIPTORS_PER_IMAGE);
    for (let v = 0; v < DESCRIPTORS_PER_IMAGE; v++) for (let d = 0; d < DESCRIPTOR_DIMS; d++) c[v * DESCRIPTOR_DIMS + d] = Math.max(-127, Math.min(127, Math.round((base[d] as number) + (v ? noise() * 0.1 : 0))));
    items.push({ index, codes: c });
    if (from) copies.push([index - 1, index]);
  }
  return { items, copies };
}

describe('descriptor index above the flat-list size (k-means tree)', () => {
  const { items, copies } = codes(1000, 7);
  const relevant = (a: number, b: number): boolean => (a + b) % 2 === 1;
  const tree = { ...defaultDescriptorSearch, index: 'tree' as const };

  it('is deterministic and finds the planted copies, at most perImage per image', { timeout: 120_000 }, async () => {
    const a = await descriptorCandidates(items, relevant, tree);
    const b = await descriptorCandidates(items, relevant, tree);
    expect(b).toEqual(a);
    const keys = new Set(a.map((p) => `${p.a}:${p.b}`));
    expect(copies.filter(([x, y]) => keys.has(`${x}:${y}`))).toHaveLength(copies.length);
    expect(a.length / items.length).toBeLessThanOrEqual(defaultDescriptorSearch.perImage);
  });

  it('auto keeps the flat lists (the previous release`s candidates) up to flatMax images', { timeout: 120_000 }, async () => {
    const flat = await descriptorCandidates(items, relevant, { ...defaultDescriptorSearch, index: 'flat-ivf' });
    expect(await descriptorCandidates(items, relevant)).toEqual(flat);
  });

  it('gives the same candidates searched on worker threads as on this thread (tree and flat lists)', { timeout: 120_000 }, async () => {
    for (const index of ['tree', 'flat-ivf'] as const) {
      const here = await descriptorCandidates(items, relevant, { ...defaultDescriptorSearch, index, workers: 1 });
      const threads = await descriptorCandidates(items, relevant, { ...defaultDescriptorSearch, index, workers: 2, parallelFrom: 0 });
      expect(threads).toEqual(here);
    }
  });

  it('holds every vector once, leaves contiguous, and visits only whole leaves', () => {
    const dims = 4;
    const n = 500;
    const vectors = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) {
      const t = (i * 2.399963) % (2 * Math.PI);
      vectors.set([Math.cos(t), Math.sin(t), Math.cos(3 * t) * 0.3, Math.sin(5 * t) * 0.3].map((x, _, all) => x / Math.hypot(...all)), i * dims);
    }
    const index = new KMeansTree(vectors, dims, { branch: 8, leafTarget: 8, sampleMax: 256, rounds: 4, beam: 4 });
    expect([...index.leafIds].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    let visited = 0;
    index.probe(vectors, 0, 3, (start, end) => {
      expect(end).toBeGreaterThan(start);
      visited += end - start;
    });
    expect(visited).toBeGreaterThan(0);
    expect(visited).toBeLessThan(n / 4);
  });
});
