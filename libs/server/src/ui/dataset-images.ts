import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import sharp from 'sharp';

/**
 * Images reach the browser only through ids (an evaluation's prediction row, an audit finding's side); the
 * server maps an id to a path recorded in the registry, relative to an audited dataset root, and serves it
 * only when its real path (symlinks resolved) stays inside that root's real path.
 * Returns undefined for anything else, which the routes answer with 404.
 */
export async function resolveInsideRoot(root: string, relativePath: string): Promise<string | undefined> {
  if (!relativePath || relativePath.includes('\0') || isAbsolute(relativePath)) return undefined;
  try {
    const realRoot = await realpath(root);
    const real = await realpath(resolve(realRoot, relativePath));
    if (!real.startsWith(realRoot + sep)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

const THUMB_SIDE = 256;
const CACHE_LIMIT = 600;
const cache = new Map<string, Buffer>();

/** A JPEG thumbnail (≤ 256 px a side), kept in a small in-memory LRU keyed by path and mtime. */
export async function thumbnail(file: string): Promise<Buffer | undefined> {
  const info = await stat(file);
  const key = `${file}\0${info.mtimeMs}\0${info.size}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  try {
    const jpeg = await sharp(file, { limitInputPixels: 100_000_000 }).rotate().resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
    cache.set(key, jpeg);
    if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    return jpeg;
  } catch {
    return undefined;
  }
}
