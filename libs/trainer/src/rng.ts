import { shuffleInPlace } from '@leakproof/core';

/**
 * Seeded, serialisable PRNG (sfc32). Training derives an independent stream per (seed, epoch, batch, purpose)
 * instead of threading one generator through the run, so prefetching, worker scheduling and mid-epoch resume
 * cannot change which random numbers a given step sees.
 */
export class Rng {
  private s: Uint32Array;

  constructor(state: readonly number[] | Uint32Array) {
    this.s = Uint32Array.from(state.slice(0, 4));
    if (this.s.length !== 4) throw new Error('Rng state needs 4 uint32 words');
  }

  static fromSeed(...parts: (number | string)[]): Rng {
    const rng = new Rng(seedWords(parts));
    for (let i = 0; i < 12; i++) rng.nextUint32();
    return rng;
  }

  state(): number[] {
    return Array.from(this.s);
  }

  nextUint32(): number {
    const s = this.s;
    const t = (((s[0]! + s[1]!) >>> 0) + s[3]!) >>> 0;
    s[3] = (s[3]! + 1) >>> 0;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = (s[2]! + (s[2]! << 3)) >>> 0;
    s[2] = ((s[2]! << 21) | (s[2]! >>> 11)) >>> 0;
    s[2] = (s[2]! + t) >>> 0;
    return t;
  }

  /** uniform in [0, 1) */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  shuffle<T>(items: T[]): T[] {
    return shuffleInPlace(items, () => this.next());
  }
}

function seedWords(parts: (number | string)[]): number[] {
  // FNV-1a over the parts' text, then splitmix-style spreading into four words
  let h = 0x811c9dc5;
  for (const ch of parts.map(String).join('\u0000')) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const words: number[] = [];
  for (let i = 0; i < 4; i++) {
    h = (h + 0x9e3779b9) >>> 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    words.push((z ^ (z >>> 16)) >>> 0);
  }
  return words;
}

/**
 * tfjs draws dropout masks and initialiser values from Math.random (via a fresh seed per call), so the
 * only way to make them reproducible is to swap Math.random for a seeded stream while the op runs.
 */
export function withSeededMathRandom<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
