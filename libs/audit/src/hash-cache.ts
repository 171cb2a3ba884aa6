import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CandidateSet } from './candidates.js';
import type { HashOutcome } from './image-hash.js';

interface CacheEntry {
  size: number;
  mtimeMs: number;
  result: HashOutcome;
}

interface CacheFile {
  version: 4;
  entries: Record<string, CacheEntry>;
  /** verified near-duplicate scores keyed by the two pixel hashes and the verification settings */
  pairs: Record<string, number>;
  /** the last candidate stage's output, keyed by everything it depends on (candidateKey in audit.ts) */
  candidates?: { key: string; set: CandidateSet };
}

/**
 * Hashes keyed by absolute path + size + mtime, one JSON file per dataset root, kept outside the dataset
 * (default <cwd>/.leakproof/cache). A changed file misses and is re-hashed; a corrupt cache is ignored.
 */
export class HashCache {
  private data: CacheFile = { version: 4, entries: {}, pairs: {} };
  private dirty = false;
  private readonly file: string | undefined;

  private constructor(file: string | undefined) {
    this.file = file;
  }

  static async open(cacheDir: string | undefined, datasetRoot: string): Promise<HashCache> {
    if (!cacheDir) return new HashCache(undefined);
    const key = createHash('sha256').update(datasetRoot).digest('hex').slice(0, 16);
    const cache = new HashCache(join(cacheDir, `audit-hashes-${key}.json`));
    try {
      const parsed = JSON.parse(await readFile(cache.file as string, 'utf8')) as CacheFile;
      if (parsed.version === 4 && parsed.entries && parsed.pairs) cache.data = parsed;
    } catch {
      // no cache yet, or unreadable: start empty
    }
    return cache;
  }

  get(absPath: string, size: number, mtimeMs: number): HashOutcome | undefined {
    const entry = this.data.entries[absPath];
    return entry && entry.size === size && entry.mtimeMs === mtimeMs ? entry.result : undefined;
  }

  set(absPath: string, size: number, mtimeMs: number, result: HashOutcome): void {
    this.data.entries[absPath] = { size, mtimeMs, result };
    this.dirty = true;
  }

  getPair(key: string): number | undefined {
    return this.data.pairs[key];
  }

  setPair(key: string, score: number): void {
    this.data.pairs[key] = score;
    this.dirty = true;
  }

  getCandidates(key: string): CandidateSet | undefined {
    return this.data.candidates?.key === key ? this.data.candidates.set : undefined;
  }

  setCandidates(key: string, set: CandidateSet): void {
    this.data.candidates = { key, set };
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    await mkdir(join(this.file, '..'), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data));
    await rename(tmp, this.file);
    this.dirty = false;
  }
}
