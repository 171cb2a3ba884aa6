import { augmentInto, type AugmentParams, type Normalisation } from '../data/augment.js';

/** A batch's augmentation draws and which of the shared input buffers its images go to. */
export interface InputPlan {
  buffer: number;
  slots: number[];
  params: AugmentParams[];
  /** which opening of the buffer this plan is (set by `open`): a plan from an earlier opening claims nothing */
  generation: number;
}

/** A claim word holds the buffer's generation above the index of its next unclaimed image (≤ 1024 < 2^11). */
const INDEX_BITS = 11;
const INDEX_MASK = (1 << INDEX_BITS) - 1;
const GENERATION_MASK = (1 << 19) - 1;

/**
 * The running batch and the two after it. One batch ahead filled the per-step barrier only while there was
 * something left of the next batch to augment; a second one gives an idle thread work at every barrier.
 */
export const INPUT_BUFFERS = 3;

/** The augmented inputs of `count` batches and their claim/done counters. */
export interface SharedInputBuffers {
  batchSize: number;
  count: number;
  /** Float32, count × batchSize × size² */
  inputs: SharedArrayBuffer;
  /** Int32: claim word of each buffer (generation, next index), then a done flag per image of each buffer */
  control: SharedArrayBuffer;
}

export function createSharedInputBuffers(batchSize: number, size: number, count = INPUT_BUFFERS): SharedInputBuffers {
  return { batchSize, count, inputs: new SharedArrayBuffer(count * batchSize * size * size * 4), control: new SharedArrayBuffer((count + count * batchSize) * 4) };
}

/**
 * Augmentation shared by all data-parallel threads: any thread claims the next unclaimed image of a batch
 * (Atomics.add) and augments it into the shared buffer, so whichever thread would otherwise wait does the work.
 * augmentInto is deterministic given its draw, so who augments an image does not change the result.
 */
export class SharedInputs {
  private readonly inputs: Float32Array;
  private readonly control: Int32Array;
  private readonly cache: Uint8Array;
  private readonly pixels: number;

  constructor(
    private readonly buffers: SharedInputBuffers,
    cache: SharedArrayBuffer,
    private readonly size: number,
    private readonly norm: Normalisation,
  ) {
    this.inputs = new Float32Array(buffers.inputs);
    this.control = new Int32Array(buffers.control);
    this.cache = new Uint8Array(cache);
    this.pixels = size * size;
  }

  /**
   * Opens `buffer` for a batch: every image claimable, under a new generation. Only while no thread reads the
   * buffer; a thread still holding a plan of an earlier opening (a stale task) can then claim nothing from it.
   */
  open(plan: Omit<InputPlan, 'generation'>): InputPlan {
    if (!Number.isInteger(plan.buffer) || plan.buffer < 0 || plan.buffer >= this.buffers.count) throw new Error(`input buffer ${plan.buffer} does not exist (${this.buffers.count} buffers)`);
    if (plan.slots.length > this.buffers.batchSize) throw new Error(`a batch of ${plan.slots.length} images does not fit the shared inputs (batch size ${this.buffers.batchSize})`);
    const generation = ((Atomics.load(this.control, plan.buffer) >>> INDEX_BITS) + 1) & GENERATION_MASK;
    const opened = { ...plan, generation };
    const first = this.doneIndex(opened, 0);
    this.control.fill(0, first, first + plan.slots.length);
    Atomics.store(this.control, plan.buffer, generation << INDEX_BITS);
    return opened;
  }

  /** Claims the next unclaimed image of `plan` and augments it; false when every image was claimed or the buffer was reopened. */
  augmentOne(plan: InputPlan): boolean {
    const i = this.claim(plan);
    if (i < 0) return false;
    augmentInto(this.cache, plan.slots[i]! * this.pixels, this.size, plan.params[i]!, this.norm, this.inputs, this.offset(plan, i));
    Atomics.store(this.control, this.doneIndex(plan, i), 1);
    Atomics.notify(this.control, this.doneIndex(plan, i));
    return true;
  }

  /** The index claimed, or −1: a compare-and-swap, so a plan of an earlier generation never moves the counter. */
  private claim(plan: InputPlan): number {
    for (;;) {
      const word = Atomics.load(this.control, plan.buffer);
      const index = word & INDEX_MASK;
      if (word >>> INDEX_BITS !== plan.generation || index >= plan.slots.length) return -1;
      if (Atomics.compareExchange(this.control, plan.buffer, word, word + 1) === word) return index;
    }
  }

  augmentRest(plan: InputPlan): void {
    while (this.augmentOne(plan));
  }

  /** Whether images [from, to) of `plan` are augmented (claimed ones may still be in another thread's hands). */
  ready(plan: InputPlan, from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (Atomics.load(this.control, this.doneIndex(plan, i)) === 0) return false;
    return true;
  }

  /** Blocks up to timeoutMs until images [from, to) are augmented; true when they are. */
  wait(plan: InputPlan, from: number, to: number, timeoutMs: number): boolean {
    for (let i = from; i < to; i++) {
      if (Atomics.wait(this.control, this.doneIndex(plan, i), 0, timeoutMs) === 'timed-out') return false;
    }
    return true;
  }

  /** Images [from, to) of `plan` in place: the wasm backend copies a tensor's values into its heap once. */
  view(plan: InputPlan, from: number, to: number): Float32Array {
    return this.inputs.subarray(this.offset(plan, from), this.offset(plan, to));
  }

  private offset(plan: InputPlan, i: number): number {
    return (plan.buffer * this.buffers.batchSize + i) * this.pixels;
  }

  private doneIndex(plan: InputPlan, i: number): number {
    return this.buffers.count + plan.buffer * this.buffers.batchSize + i;
  }
}
