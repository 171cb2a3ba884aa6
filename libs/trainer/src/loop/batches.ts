import type { TrainConfig } from '../config.js';
import { drawAugmentParams, type Normalisation } from '../data/augment.js';
import type { ImagePool } from '../data/image-pool.js';
import { classWeights, epochOrder, stepsPerEpoch } from '../data/sampling.js';
import { Rng } from '../rng.js';

export interface TrainBatch {
  step: number;
  n: number;
  x: Float32Array;
  y: Float32Array;
  /** per-example loss weights (class weights, or 1) */
  w: Float32Array;
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

  private load(order: readonly number[], epoch: number, step: number): Promise<TrainBatch> {
    const bs = this.config.batchSize;
    const positions = order.slice(step * bs, step * bs + bs);
    const rng = Rng.fromSeed(this.config.seed, 'augment', epoch, step);
    const params = positions.map(() => drawAugmentParams(rng, this.config.augmentation, this.config.imageSize));
    const y = Float32Array.from(positions, (p) => this.labels[p]!);
    const w = Float32Array.from(positions, (p) => this.weights[this.labels[p]!]);
    return this.pool.batch(positions.map((p) => this.slots[p]!), params, this.norm).then((x) => ({ step, n: positions.length, x, y, w }));
  }

  async *epoch(epoch: number, fromStep = 0): AsyncGenerator<TrainBatch> {
    const order = epochOrder(this.labels, this.config.classImbalance, this.config.seed, epoch);
    const queue: Promise<TrainBatch>[] = [];
    let next = fromStep;
    const fill = () => {
      while (queue.length < this.prefetch && next < this.steps) queue.push(this.load(order, epoch, next++));
    };
    fill();
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      fill();
      yield batch;
    }
  }
}
