import { describe, expect, it } from 'vitest';
import { CODE_WORDS, hamming, hexToWords, wordsToHex } from './bits.js';
import { bruteForceQuery, MultiIndexHash } from './mih-index.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** Random codes plus, for half of them, a sibling with `flip` random bits flipped: pairs at known distances. */
function clustered(n: number, seed: number): Uint32Array {
  const next = lcg(seed);
  const codes = new Uint32Array(n * CODE_WORDS);
  for (let i = 0; i < n; i++) {
    if (i % 2 === 1) {
      codes.set(codes.subarray((i - 1) * CODE_WORDS, i * CODE_WORDS), i * CODE_WORDS);
      const flips = next() % 40;
      for (let f = 0; f < flips; f++) {
        const bit = next() % 256;
        codes[i * CODE_WORDS + (bit >>> 5)] = ((codes[i * CODE_WORDS + (bit >>> 5)] as number) ^ (1 << (31 - (bit & 31)))) >>> 0;
      }
    } else for (let w = 0; w < CODE_WORDS; w++) codes[i * CODE_WORDS + w] = next();
  }
  return codes;
}

describe('multi-index hashing', () => {
  it('round-trips hex codes and measures Hamming distance', () => {
    const hex = 'f'.repeat(32) + '0'.repeat(32);
    const words = hexToWords(hex);
    expect(wordsToHex(words)).toBe(hex);
    expect(hamming(words, 0, hexToWords('0'.repeat(64)), 0)).toBe(128);
  });

  it.each([0, 3, 10, 16, 20, 31])('finds exactly what brute force finds within radius %i', (radius) => {
    const codes = clustered(600, radius + 1);
    const index = new MultiIndexHash(codes, radius);
    for (let q = 0; q < 600; q += 7) {
      const got = index.query(codes, q).sort((a, b) => a.index - b.index);
      expect(got).toEqual(bruteForceQuery(codes, codes, q, radius));
    }
  });

  it('self-join lists each close pair once', () => {
    const codes = clustered(400, 99);
    const pairs = new MultiIndexHash(codes, 20).pairsWithin();
    const expected: string[] = [];
    for (let a = 0; a < 400; a++) for (let b = a + 1; b < 400; b++) if (hamming(codes, a, codes, b) <= 20) expected.push(`${a}:${b}`);
    expect(pairs.map((p) => `${p.a}:${p.b}`).sort()).toEqual(expected.sort());
  });

  it('rejects radii it cannot split into substrings', () => {
    expect(() => new MultiIndexHash(new Uint32Array(8), 64)).toThrow(/radius/);
  });
});

describe('readBits', () => {
  it('matches a bit-by-bit read for every start and length', async () => {
    const { readBits } = await import('./bits.js');
    const codes = clustered(2, 5);
    for (let start = 0; start < 256; start += 5) {
      for (let length = 1; length <= 32 && start + length <= 256; length += 3) {
        let slow = 0;
        for (let k = 0; k < length; k++) {
          const bit = start + k;
          slow = slow * 2 + (((codes[bit >>> 5] as number) >>> (31 - (bit & 31))) & 1);
        }
        expect(readBits(codes, 0, start, length)).toBe(slow);
      }
    }
  });
});
