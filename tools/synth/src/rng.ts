import { mulberry32, shuffled as shuffledBy } from '@leakproof/core';

/** The same seeded generator ingest carves with (core's mulberry32), so fixtures are reproducible everywhere. */
export const createRng: (seed: number) => () => number = mulberry32;

export type Rng = () => number;

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

export function intBetween(rng: Rng, lo: number, hiInclusive: number): number {
  return lo + Math.floor(rng() * (hiInclusive - lo + 1));
}

export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  return shuffledBy(items, rng);
}
