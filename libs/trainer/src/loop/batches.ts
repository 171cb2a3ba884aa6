import type { TrainConfig } from '../config.js';
import { drawAugmentParams, type AugmentParams, type Normalisation } from '../data/augment.js';
import type { ImagePool } from '../data/image-pool.js';
import { classWeights, epochOrder, stepsPerEpoch } from '../data/sampling.js';
import { Rng } from '../rng.js';
import { drawMixLambda, smoothLabels } from './soft-targets.js';

export interface TrainBatch {
  step: number;
  n: number;
  /** cache slots of the batch's images and their augmentation draws (what data-parallel workers augment themselves) */
  slots: number[];
  params: AugmentParams[];
  /** the augmented, normalised images; null when the batch was planned for workers that augment (`augmentHere: false`) */
  x: Float32Array | null;
  y: Float32Array;
  /** per-example loss weights (class weights, or 1) */
  w: Float32Array;
  /** mixup weight of this batch (1 = no mixing); the mixing itself happens per shard (soft-targets.ts) */
  mixLambda: number;
}

/**
 * Training batches of one epoch, produced by the pool's workers `prefetch` batches ahead of the step that is
 * running. Every random choice derives from (seed, epoch, step), so the batches do not depend on timing.
 */
export class TrainBatches {
  readonly steps: number;
  private readonly weights: [number, number];

  constructor(
    private readonly pool: ImagePool,
    /** cache slots of the training images and their labels, same order */
    private readonly slots: readonly number[],
    private readonly labels: readonly (0 | 1)[],
    private readonly config: TrainConfig,
    private readonly norm: Normalisation,
    private readonly prefetch = 3,
  ) {
    this.steps = stepsPerEpoch(slots.length, config.batchSize);
    this.weights = config.classImbalance === 'weights' ? classWeights(labels) : [1, 1];
  }

  get classWeights(): [number, number] {
    return this.weights;
  }

  private load(order: readonly number[], epoch: number, step: number, augmentHere: boolean): Promise<TrainBatch> {
    const bs = this.config.batchSize;
    const positions = order.slice(step * bs, step * bs + bs);
    const rng = Rng.fromSeed(this.config.seed, 'augment', epoch, step);
    const params = positions.map(() => drawAugmentParams(rng, this.config.augmentation, this.config.imageSize));
    const y = smoothLabels(Float32Array.from(positions, (p) => this.labels[p]!), this.config.labelSmoothing);
    const w = Float32Array.from(positions, (p) => this.weights[this.labels[p]!]);
    const slots = positions.map((p) => this.slots[p]!);
    // its own stream, so turning mixup on or off leaves every augmentation draw as it was
    const mixLambda = drawMixLambda(Rng.fromSeed(this.config.seed, 'mixup', epoch, step), this.config.mixup);
    const planned: TrainBatch = { step, n: positions.length, slots, params, x: null, y, w, mixLambda };
    if (!augmentHere) return Promise.resolve(planned);
    return this.pool.batch(slots, params, this.norm).then((x) => ({ ...planned, x }));
  }

  /** `augmentHere: false` plans the batches only (x = null): data-parallel shards augment their own images. */
  async *epoch(epoch: number, fromStep = 0, { augmentHere = true }: { augmentHere?: boolean } = {}): AsyncGenerator<TrainBatch> {
    const order = epochOrder(this.labels, this.config.classImbalance, this.config.seed, epoch);
    const queue: Promise<TrainBatch>[] = [];
    let next = fromStep;
    const fill = () => {
      while (queue.length < this.prefetch && next < this.steps) queue.push(this.load(order, epoch, next++, augmentHere));
    };
    fill();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      fill();
      yield batch;
    }
  }
}

/**
 * Each batch with up to `count` batches that follow it (fewer at the end), so data-parallel threads can augment
 * them while they would otherwise wait. Only for planned batches: peeking at a prefetched one would wait for its images.
 */
export async function* withAhead<T>(batches: AsyncIterable<T>, count: number): AsyncGenerator<[T, T[]]> {
  const window: T[] = [];
  for await (const batch of batches) {
    window.push(batch);
    if (window.length > count) yield [window.shift()!, [...window]];
  }
  while (window.length > 0) yield [window.shift()!, [...window]];
}

/** Each batch alone: the single-thread path, whose next batch may still be augmenting in the pool. */
export async function* withoutAhead<T>(batches: AsyncIterable<T>): AsyncGenerator<[T, T[]]> {
  for await (const batch of batches) yield [batch, []];
}
