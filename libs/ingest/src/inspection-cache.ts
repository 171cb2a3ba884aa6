import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Inspection } from './inspect-file.js';

const entrySchema = z.object({ size: z.number(), mtimeMs: z.number(), sha256: z.string(), width: z.number(), height: z.number(), dicom: z.literal(true).optional() });
const cacheFileSchema = z.object({ version: z.literal(1), root: z.string(), entries: z.record(z.string(), entrySchema) });
type Entry = z.infer<typeof entrySchema>;

/**
 * Good-file inspections keyed by absolute path, reused while size and mtime are unchanged. Bad files
 * are never cached, so a fixed file is re-checked; the pixel limit is re-applied on every lookup.
 */
export class InspectionCache {
  private dirty = false;

  private constructor(
    private readonly file: string,
    private readonly root: string,
    private readonly maxPixels: number,
    private readonly entries: Record<string, Entry>,
  ) {}

  static async open(cacheDir: string, root: string, maxPixels: number): Promise<InspectionCache> {
    const file = join(cacheDir, `ingest-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.json`);
    let entries: Record<string, Entry> = {};
    try {
      const parsed = cacheFileSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
      if (parsed.success && parsed.data.root === root) entries = parsed.data.entries;
    } catch {
      // missing or corrupt cache: start empty
    }
    return new InspectionCache(file, root, maxPixels, entries);
  }

  async lookup(absPath: string): Promise<Inspection | undefined> {
    const entry = this.entries[absPath];
    if (!entry || entry.width * entry.height > this.maxPixels) return undefined;
    try {
      const st = await stat(absPath);
      if (st.size !== entry.size || st.mtimeMs !== entry.mtimeMs || !st.isFile()) return undefined;
    } catch {
      return undefined;
    }
    const { dicom: _dicom, ...rest } = entry;
    return { ok: true, ...rest };
  }

  /** whether the cached file is a DICOM (its identifiers must be re-read: they are never cached) */
  isDicom(absPath: string): boolean {
    return this.entries[absPath]?.dicom === true;
  }

  remember(absPath: string, inspection: Inspection): void {
    if (!inspection.ok) return;
    const { size, mtimeMs, sha256, width, height } = inspection;
    const old = this.entries[absPath];
    if (old && old.sha256 === sha256 && old.mtimeMs === mtimeMs && old.size === size) return;
    this.entries[absPath] = { size, mtimeMs, sha256, width, height, ...(inspection.dicom ? { dicom: true as const } : {}) };
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    try {
      await mkdir(join(this.file, '..'), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify({ version: 1, root: this.root, entries: this.entries }));
      await rename(tmp, this.file);
      this.dirty = false;
    } catch {
      // a cache that cannot be written only costs speed next time
    }
  }
}
