import { createHash } from 'node:crypto';
import { readFile as readFileCb, stat as statCb } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { classifySharpError } from './decode.js';
import type { ProblemKind } from './manifest-schema.js';
import { dicomExtensions, extensionOf, headerDimensions, looksTruncated, sniffFormat } from './sniff.js';
import type { DataSet } from 'dicom-parser';
import { PIXEL_DATA, parseDicomDataSet, readHeader, readIdentifiers, undecodableReason, type DicomIdentifiers } from './dicom-header.js';

export type Inspection =
  | {
      ok: true;
      size: number;
      mtimeMs: number;
      sha256: string;
      width: number;
      height: number;
      /** DICOM files only: raw identifiers (PHI) — build-manifest pseudonymises them; never cached or written */
      dicom?: DicomIdentifiers;
    }
  | { ok: false; kind: ProblemKind; message: string; hint?: string };

const headBytes = 64 * 1024;
const tailBytes = 4 * 1024;
/** files up to this size are read in one call; larger ones are streamed through the hash in chunks */
const wholeFileLimit = 32 * 1024 * 1024;
const chunkBytes = 1024 * 1024;

// The callback API: for thousands of small files FileHandle.readFile costs ~2× more (more thread-pool hops).
const statFile = promisify(statCb);
const readWholeFile = promisify(readFileCb);

function errnoProblem(error: unknown): Inspection {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return { ok: false, kind: 'unreadable', message: `permission denied (${code})`, hint: 'make the file readable (chmod a+r) or remove it' };
  return { ok: false, kind: 'unreadable', message: `cannot read the file: ${code ?? (error as Error).message}`, hint: 'check the disk/mount, or remove the file' };
}

/**
 * Reads one file once: SHA-256 of its bytes plus the cheap checks that need no decoding (empty, magic
 * bytes, end marker, header dimensions against the pixel limit). Never throws.
 */
export async function inspectImageFile(absPath: string, maxPixels: number): Promise<Inspection> {
  try {
    const stat = await statFile(absPath);
    if (stat.size === 0) return { ok: false, kind: 'empty-file', message: 'the file is empty (0 bytes)', hint: 'restore it from the source or remove it' };
    const hash = createHash('sha256');
    let head: Uint8Array;
    let tail: Uint8Array;
    let whole: Buffer | undefined;
    if (stat.size <= wholeFileLimit) {
      whole = await readWholeFile(absPath);
      if (whole.length === 0) return { ok: false, kind: 'empty-file', message: 'the file is empty (0 bytes)', hint: 'restore it from the source or remove it' };
      hash.update(whole);
      head = whole.subarray(0, headBytes);
      tail = whole.subarray(Math.max(0, whole.length - tailBytes));
    } else {
      const streamed = await streamLargeFile(absPath, hash);
      head = streamed.head;
      tail = streamed.tail;
    }
    const size = whole?.length ?? stat.size;
    const format = sniffFormat(head);
    if (!format && dicomExtensions.has(extensionOf(absPath))) {
      return { ok: false, kind: 'not-an-image', message: 'a .dcm file without the DICOM Part 10 header (no DICM at byte 128; an old ACR-NEMA or raw dataset file?)', hint: 'rewrite it as Part 10: `dcmconv +F in.dcm out.dcm` (DCMTK) or `gdcmconv in.dcm out.dcm` (GDCM)' };
    }
    if (!format) return { ok: false, kind: 'not-an-image', message: 'not a JPEG, PNG, WebP, TIFF or DICOM (by its first bytes)', hint: 'remove it, or convert it to a supported format' };
    if (format === 'dicom') {
      const file = { size, mtimeMs: stat.mtimeMs, sha256: hash.digest('hex') };
      return whole ? inspectDicom(() => parseDicomDataSet(whole), file, maxPixels) : inspectDicom(() => readDicomHead(absPath), file, maxPixels);
    }
    if (looksTruncated(format, tail, size, head)) {
      return { ok: false, kind: 'truncated', message: `the ${format.toUpperCase()} ends before its end marker (truncated download or copy?)`, hint: 'restore the file from the source' };
    }
    let dims = headerDimensions(format, head);
    if (!dims) {
      try {
        // header only: sharp reads metadata without decoding pixels
        const meta = await sharp(whole ?? absPath, { limitInputPixels: false }).metadata();
        if (!meta.width || !meta.height) throw new Error('Input file contains unsupported image format');
        dims = { width: meta.width, height: meta.height };
      } catch (error) {
        const failure = classifySharpError(error, maxPixels);
        return { ok: false, kind: failure.kind === 'empty-file' ? 'empty-file' : failure.kind, message: failure.message, hint: 'restore the file from the source or remove it' };
      }
    }
    if (dims.width * dims.height > maxPixels) {
      return {
        ok: false,
        kind: 'too-many-pixels',
        message: `${dims.width}×${dims.height} = ${(dims.width * dims.height).toLocaleString('en')} pixels exceeds the limit of ${maxPixels.toLocaleString('en')} (refused from the header, nothing decoded)`,
        hint: 'downscale the image, or raise maxPixels in the dataset config if it is genuine',
      };
    }
    return { ok: true, size, mtimeMs: stat.mtimeMs, sha256: hash.digest('hex'), width: dims.width, height: dims.height };
  } catch (error) {
    return errnoProblem(error);
  }
}

/**
 * DICOM: the header says whether we can decode it (transfer syntax, pixel data present and complete) and
 * its size, so an unsupported file is a problem in the manifest, not a surprise in the audit.
 */
async function inspectDicom(parse: () => DataSet | Promise<DataSet>, file: { size: number; mtimeMs: number; sha256: string }, maxPixels: number): Promise<Inspection> {
  let header;
  let dicom: DicomIdentifiers;
  try {
    const ds = await parse();
    header = readHeader(ds);
    dicom = readIdentifiers(ds);
  } catch (error) {
    return { ok: false, kind: 'truncated', message: `the DICOM file cannot be parsed (truncated?): ${String((error as Error).message ?? error)}`, hint: 'restore the file from the source' };
  }
  const reason = undecodableReason(header);
  if (reason) return { ok: false, ...reason };
  const pixels = header.rows * header.columns;
  if (pixels > maxPixels) {
    return { ok: false, kind: 'too-many-pixels', message: `${header.columns}×${header.rows} = ${pixels.toLocaleString('en')} pixels exceeds the limit of ${maxPixels.toLocaleString('en')} (refused from the header, nothing decoded)`, hint: 'raise maxPixels in the dataset config if it is genuine' };
  }
  return { ok: true, ...file, width: header.columns, height: header.rows, dicom };
}

/**
 * The data set of a DICOM file up to its pixel data, reading as little as it takes: 16 kB holds a typical
 * header, larger headers are read in growing steps. A partial parse counts only once the Pixel Data
 * element was reached — before that, tags beyond the cut would be silently missing.
 */
export async function readDicomHead(absPath: string): Promise<DataSet> {
  const handle = await open(absPath, 'r');
  try {
    for (const size of [16 * 1024, 256 * 1024, 4 * 1024 * 1024]) {
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await handle.read(buffer, 0, size, 0);
      try {
        const ds = parseDicomDataSet(buffer.subarray(0, bytesRead), true);
        if (ds.elements[PIXEL_DATA] || bytesRead < size) return ds;
      } catch {
        if (bytesRead < size) throw new Error('the DICOM header cannot be parsed');
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return parseDicomDataSet(await readWholeFile(absPath), true);
}

/** A cached DICOM's identifiers, re-read from its header (they are never written to the cache). */
export async function readDicomIdentifiers(absPath: string): Promise<DicomIdentifiers | undefined> {
  try {
    return readIdentifiers(await readDicomHead(absPath));
  } catch {
    return undefined;
  }
}

/** Files too big to read at once go through the hash in chunks, keeping only head and tail. */
async function streamLargeFile(absPath: string, hash: ReturnType<typeof createHash>): Promise<{ head: Uint8Array; tail: Uint8Array }> {
  const handle = await open(absPath, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    const headBuf = Buffer.alloc(headBytes);
    let tailBuf = Buffer.alloc(0);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunkBytes, position);
      if (bytesRead === 0) break;
      const piece = chunk.subarray(0, bytesRead);
      hash.update(piece);
      if (position < headBytes) piece.copy(headBuf, position, 0, Math.min(bytesRead, headBytes - position));
      tailBuf = Buffer.concat([tailBuf, piece]).subarray(-tailBytes);
      position += bytesRead;
    }
    return { head: headBuf.subarray(0, Math.min(headBytes, position)), tail: tailBuf };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
