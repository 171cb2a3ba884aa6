import { CODE_WORDS, hexToWords } from './bits.js';
import { CROP_VARIANTS } from './image-hash.js';
import { MultiIndexHash } from './mih-index.js';

export interface NearCandidate {
  /** image whose (possibly cropped) code matched: it is resampled during verification */
  source: number;
  /** image whose original code matched */
  target: number;
  distance: number;
  /** verification starts from the scale the matching crop variant implies */
  startScale: number;
}

/**
 * Candidate near-duplicate pairs: every image's original and crop-variant codes are looked up in a
 * multi-index over the original codes, exact for `radius`. Each unordered pair is kept once, with the
 * smallest distance found and the crop variant that produced it.
 */
export function nearCandidates(items: { index: number; block: string; cropBlocks: string[] }[], radius: number): NearCandidate[] {
  const n = items.length;
  const originals = new Uint32Array(n * CODE_WORDS);
  items.forEach((it, k) => hexToWords(it.block, originals, k * CODE_WORDS));
  const index = new MultiIndexHash(originals, radius);
  const variants = [0, ...CROP_VARIANTS];
  const queries = variants.map((_, v) => {
    if (v === 0) return originals;
    const codes = new Uint32Array(n * CODE_WORDS);
    items.forEach((it, k) => hexToWords(it.cropBlocks[v - 1] ?? it.block, codes, k * CODE_WORDS));
    return codes;
  });
  const best = new Map<string, NearCandidate>();
  const seen = new Int32Array(n).fill(-1);
  let stamp = 0;
  for (let k = 0; k < n; k++) {
    variants.forEach((fraction, v) => {
      for (const hit of index.query(queries[v] as Uint32Array, k, seen, stamp++)) {
        if (hit.index === k) continue;
        const source = (items[k] as { index: number }).index;
        const target = (items[hit.index] as { index: number }).index;
        const key = source < target ? `${source}:${target}` : `${target}:${source}`;
        const previous = best.get(key);
        if (!previous || hit.distance < previous.distance) best.set(key, { source, target, distance: hit.distance, startScale: 1 - 2 * fraction });
      }
    });
  }
  return [...best.values()];
}
