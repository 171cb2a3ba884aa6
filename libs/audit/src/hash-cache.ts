import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { CandidateSet } from './candidates.js';
import type { HashOutcome } from './image-hash.js';
import type { ViewSpill } from './view-spill.js';

/** an entry as the file holds it: the record with its view inline */
interface CacheEntry {
  size: number;
  mtimeMs: number;
  result: HashOutcome;
}

/** an entry as memory holds it: the record without its view, which waits in the audit's view spill */
export interface CachedRecord {
  result: HashOutcome;
  /** slot of the view in the spill, −1 for a record without one */
  viewSlot: number;
}

interface HeldEntry extends CachedRecord {
  size: number;
  mtimeMs: number;
}

interface CacheData {
  entries: Map<string, HeldEntry>;
  /** verified near-duplicate scores keyed by the two pixel hashes and the verification settings */
  pairs: Map<string, number>;
  /** the last candidate stage's output, keyed by everything it depends on (candidateKey in audit.ts) */
  candidates?: { key: string; set: CandidateSet };
}

/** One line of the cache file (JSON Lines): the header, an entry, a chunk of pair scores, or the candidate set. */
type CacheLine = { version: number } | { path: string; entry: CacheEntry } | { pairs: [string, number][] } | { candidates: { key: string; set: CandidateSet } };

const VERSION = 5;
const PAIRS_PER_LINE = 10_000;

/**
 * Hashes keyed by absolute path + size + mtime, one file per dataset root, kept outside the dataset (default
 * <cwd>/.leakproof/cache). A changed file misses and is re-hashed; a corrupt cache is ignored. The file is JSON
 * Lines, written and read a line at a time: one JSON document per cache (version 4) passed V8's maximum string
 * length (~512 MB, about 80,000 records with their 64×64 views) and made a large audit fail after all its work.
 */
export class HashCache {
  private data: CacheData = { entries: new Map(), pairs: new Map() };
  private dirty = false;
  private readonly file: string | undefined;

  private constructor(
    file: string | undefined,
    private readonly spill: ViewSpill,
  ) {
    this.file = file;
  }

  /** the cache of `datasetRoot` under `cacheDir` (none: an empty cache that is never saved); views go to `spill` */
  static async open(cacheDir: string | undefined, datasetRoot: string, spill: ViewSpill): Promise<HashCache> {
    if (!cacheDir) return new HashCache(undefined, spill);
    const key = createHash('sha256').update(datasetRoot).digest('hex').slice(0, 16);
    const cache = new HashCache(join(cacheDir, `audit-hashes-${key}.jsonl`), spill);
    try {
      cache.data = await readCacheFile(cache.file as string, spill);
    } catch {
      // no cache yet, an older version, or unreadable: start empty
    }
    return cache;
  }

  get(absPath: string, size: number, mtimeMs: number): CachedRecord | undefined {
    const entry = this.data.entries.get(absPath);
    return entry && entry.size === size && entry.mtimeMs === mtimeMs ? { result: entry.result, viewSlot: entry.viewSlot } : undefined;
  }

  /** `result` without its view, which is in the spill at `viewSlot` (−1: none) */
  set(absPath: string, size: number, mtimeMs: number, record: CachedRecord): void {
    this.data.entries.set(absPath, { size, mtimeMs, ...record });
    this.dirty = true;
  }

  getPair(key: string): number | undefined {
    return this.data.pairs.get(key);
  }

  setPair(key: string, score: number): void {
    this.data.pairs.set(key, score);
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
    await writeLines(tmp, cacheLines(this.data, this.spill));
    await rename(tmp, this.file);
    this.dirty = false;
  }
}

function* cacheLines(data: CacheData, spill: ViewSpill): Generator<CacheLine> {
  yield { version: VERSION };
  for (const [path, { size, mtimeMs, result, viewSlot }] of data.entries) {
    yield { path, entry: { size, mtimeMs, result: result.ok && viewSlot >= 0 ? { ...result, view: spill.base64(viewSlot) } : result } };
  }
  const pairs = [...data.pairs];
  for (let i = 0; i < pairs.length; i += PAIRS_PER_LINE) yield { pairs: pairs.slice(i, i + PAIRS_PER_LINE) };
  if (data.candidates) yield { candidates: data.candidates };
}

/** the record without its view, and where the view went */
export function spilled(result: HashOutcome, spill: ViewSpill): CachedRecord {
  if (!result.ok || !result.view) return { result: result.ok ? { ...result, view: '' } : result, viewSlot: -1 };
  return { result: { ...result, view: '' }, viewSlot: spill.put(result.view) };
}

async function writeLines(path: string, lines: Iterable<CacheLine>): Promise<void> {
  const out = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    out.on('finish', resolve);
    out.on('error', reject);
  });
  for (const line of lines) if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  out.end();
  await done;
}

async function readCacheFile(path: string, spill: ViewSpill): Promise<CacheData> {
  const data: CacheData = { entries: new Map(), pairs: new Map() };
  let first = true;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    const line = JSON.parse(text) as CacheLine;
    if (first && !('version' in line && line.version === VERSION)) throw new Error('another cache version');
    first = false;
    if ('path' in line) data.entries.set(line.path, { ...line.entry, ...spilled(line.entry.result, spill) });
    else if ('pairs' in line) for (const [key, score] of line.pairs) data.pairs.set(key, score);
    else if ('candidates' in line) data.candidates = line.candidates;
  }
  if (first) throw new Error('empty cache file');
  return data;
}
