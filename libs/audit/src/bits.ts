/** 256-bit codes live as 8 uint32 words so Hamming distance is eight popcounts, not a string walk. */
export const CODE_WORDS = 8;
export const CODE_BITS = CODE_WORDS * 32;

export function hexToWords(hex: string, out: Uint32Array = new Uint32Array(CODE_WORDS), offset = 0): Uint32Array {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error(`expected a 256-bit hex code, got '${hex}'`);
  for (let w = 0; w < CODE_WORDS; w++) out[offset + w] = Number.parseInt(hex.slice(w * 8, w * 8 + 8), 16) >>> 0;
  return out;
}

export function wordsToHex(words: Uint32Array, offset = 0): string {
  let hex = '';
  for (let w = 0; w < CODE_WORDS; w++) hex += ((words[offset + w] as number) >>> 0).toString(16).padStart(8, '0');
  return hex;
}

export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Hamming distance between code i of `a` and code j of `b` (both packed n×8 word arrays). */
export function hamming(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const oa = i * CODE_WORDS;
  const ob = j * CODE_WORDS;
  let d = 0;
  for (let w = 0; w < CODE_WORDS; w++) d += popcount32(((a[oa + w] as number) ^ (b[ob + w] as number)) >>> 0);
  return d;
}

export function hammingHex(a: string, b: string): number {
  return hamming(hexToWords(a), 0, hexToWords(b), 0);
}

/** Reads `length` (1..32) bits starting at bit `start` of code i, most significant bit first, as an unsigned integer. */
export function readBits(codes: Uint32Array, i: number, start: number, length: number): number {
  const base = i * CODE_WORDS + (start >>> 5);
  const offset = start & 31;
  const hi = ((codes[base] as number) << offset) >>> 0;
  if (offset + length <= 32) return length === 32 ? hi : hi >>> (32 - length);
  const lo = (codes[base + 1] as number) >>> (64 - offset - length);
  return ((hi >>> (32 - length)) | lo) >>> 0;
}
