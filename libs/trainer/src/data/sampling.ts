import { Rng } from '../rng.js';

export type ImbalanceStrategy = 'weights' | 'balanced-sampling' | 'none';

/** Loss weight per class, n / (2·n_c), so both classes contribute equally in expectation. */
export function classWeights(labels: readonly (0 | 1)[]): [number, number] {
  const positives = labels.reduce<number>((sum, label) => sum + label, 0);
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return [1, 1];
  return [labels.length / (2 * negatives), labels.length / (2 * positives)];
}

export function stepsPerEpoch(trainCount: number, batchSize: number): number {
  // the last incomplete batch is dropped (fastai's drop_last) unless that would leave no batch at all
  return Math.max(1, Math.floor(trainCount / batchSize));
}

/**
 * The training order of one epoch as positions into `labels`: a seeded shuffle, or for balanced sampling a
 * seeded draw with replacement in which each class is equally likely.
 */
export function epochOrder(labels: readonly (0 | 1)[], strategy: ImbalanceStrategy, seed: number, epoch: number): number[] {
  const rng = Rng.fromSeed(seed, 'order', epoch);
  const all = labels.map((_, i) => i);
  if (strategy !== 'balanced-sampling') return rng.shuffle(all);
  const byClass: [number[], number[]] = [[], []];
  labels.forEach((label, i) => byClass[label].push(i));
  if (byClass[0].length === 0 || byClass[1].length === 0) return rng.shuffle(all);
  return all.map(() => {
    const pool = byClass[rng.next() < 0.5 ? 0 : 1];
    return pool[rng.int(pool.length)]!;
  });
}
