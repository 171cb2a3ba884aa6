export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'dicom';

/** Extensions that make a file "named like an image" (anything else is a stray file). */
export const imageExtensions = new Set(['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff']);

/** DICOM files are `.dcm`/`.dicom` or, as PACS exports often are, have no extension at all (then sniffed). */
export const dicomExtensions = new Set(['dcm', 'dicom']);

/** Whether a listing should read this file: image or DICOM extension, or none (a possible DICOM). */
export function mayBeImageName(name: string): boolean {
  const ext = extensionOf(name);
  return ext === '' ? !name.startsWith('.') : imageExtensions.has(ext) || dicomExtensions.has(ext);
}

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** The format from the magic bytes, whatever the extension says. */
export function sniffFormat(head: Uint8Array): ImageFormat | undefined {
  const b = head;
  // checked first: the 128-byte preamble of a DICOM file may itself hold a TIFF header
  if (b.length >= 132 && ascii(b, 128, 4) === 'DICM') return 'dicom';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0x00) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0x00 && b[3] === 0x2a))) return 'tiff';
  return undefined;
}

function ascii(b: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...b.subarray(start, start + length));
}

function lastIndexOfBytes(haystack: Uint8Array, needle: readonly number[], from: number): number {
  for (let i = haystack.length - needle.length; i >= from; i--) {
    let hit = true;
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) {
        hit = false;
        break;
      }
    }
    if (hit) return i;
  }
  return -1;
}

/**
 * Cheap end-of-stream check on the last bytes: a JPEG must end with EOI (FF D9), a PNG with IEND, a WebP
 * must hold the bytes its RIFF header declares. Some writers pad after the end marker, so the marker is
 * searched in the tail, never in the first half (an EXIF thumbnail ends with its own EOI). TIFF has no
 * end marker; sharp's header read covers it.
 */
export function looksTruncated(format: ImageFormat, tail: Uint8Array, fileSize: number, head: Uint8Array): boolean {
  const window = Math.min(tail.length, Math.max(2, Math.floor(fileSize / 2)));
  const searchFrom = tail.length - window;
  if (format === 'jpeg') return lastIndexOfBytes(tail, [0xff, 0xd9], searchFrom) < 0;
  if (format === 'png') return lastIndexOfBytes(tail, [0x49, 0x45, 0x4e, 0x44], searchFrom) < 0;
  if (format === 'webp' && head.length >= 8) {
    const declared = (head[4] as number) | ((head[5] as number) << 8) | ((head[6] as number) << 16) | ((head[7] as number) * 0x1000000);
    return declared + 8 > fileSize;
  }
  return false;
}

export interface Dimensions {
  width: number;
  height: number;
}

/**
 * Width and height from the header bytes without any decoder (PNG IHDR, JPEG SOFn), so the pixel limit
 * is enforced before anything allocates. Undefined when the header is not in `head` (ask sharp then).
 */
export function headerDimensions(format: ImageFormat, head: Uint8Array): Dimensions | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (format === 'png') {
    if (head.length < 24 || ascii(head, 12, 4) !== 'IHDR') return undefined;
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (format === 'jpeg') {
    let offset = 2;
    while (offset + 9 < head.length) {
      if (head[offset] !== 0xff) return undefined;
      const marker = head[offset + 1] as number;
      if (marker === 0xff) {
        offset += 1; // fill byte
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        offset += 2;
        continue;
      }
      const length = view.getUint16(offset + 2);
      const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isSof) return { height: view.getUint16(offset + 5), width: view.getUint16(offset + 7) };
      if (marker === 0xda || marker === 0xd9) return undefined;
      offset += 2 + length;
    }
  }
  return undefined;
}
