import { deflateSync } from 'node:zlib';

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

let cached: { side: number; bytes: Buffer } | undefined;

/**
 * A valid, all-black 1-bit grayscale PNG of side×side pixels. At 20,000² it is ~50 KB on disk but
 * decodes to 400 MB of 8-bit pixels: the decompression bomb ingest must refuse from its header alone.
 * Built by hand because encoding it through an image library would allocate the very pixels we avoid.
 */
export function pngBomb(side = 20_000): Buffer {
  if (cached?.side === side) return cached.bytes;
  const rowBytes = 1 + Math.ceil(side / 8); // filter byte + packed bits
  const raw = Buffer.alloc(rowBytes * side); // zero filter, zero pixels
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  const bytes = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  cached = { side, bytes };
  return bytes;
}
