import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The canonical views of an audit, kept in a temporary file instead of the heap: a view is 4 KB (5.5 KB as the
 * base64 string the hash record carries) against ~1 KB for the rest of a record, so holding them made the audit
 * ~18 KB per image (1.8 GB at 10⁵ images). Views are written once, as each image is hashed or read from the cache,
 * and read back (from the page cache, usually) when a candidate pair is verified or the cache is saved.
 */
export class ViewSpill {
  private offsets = new Float64Array(1024);
  private lengths = new Int32Array(1024);
  private count = 0;
  private end = 0;

  private constructor(
    private readonly dir: string,
    private fd: number | null,
  ) {}

  /** a spill file in a fresh folder under `parent` (default the system temporary folder) */
  static async create(parent = tmpdir()): Promise<ViewSpill> {
    const dir = await mkdtemp(join(parent, 'leakproof-views-'));
    return new ViewSpill(dir, openSync(join(dir, 'views.bin'), 'w+'));
  }

  /** stores a view given as bytes or as the hash record's base64; returns its slot */
  put(view: Uint8Array | string): number {
    const bytes = typeof view === 'string' ? Buffer.from(view, 'base64') : view;
    const slot = this.count++;
    if (slot === this.offsets.length) this.grow();
    this.offsets[slot] = this.end;
    this.lengths[slot] = bytes.byteLength;
    for (let written = 0; written < bytes.byteLength; ) written += writeSync(this.openFd(), bytes, written, bytes.byteLength - written, this.end + written);
    this.end += bytes.byteLength;
    return slot;
  }

  get(slot: number): Uint8Array {
    if (!(slot >= 0 && slot < this.count)) throw new Error(`no spilled view in slot ${slot}`);
    const out = new Uint8Array(this.lengths[slot] as number);
    const offset = this.offsets[slot] as number;
    for (let read = 0; read < out.length; ) {
      const got = readSync(this.openFd(), out, read, out.length - read, offset + read);
      if (got === 0) throw new Error(`the view spill file ended early (slot ${slot})`);
      read += got;
    }
    return out;
  }

  /** the view of `slot` as the base64 a hash record carries */
  base64(slot: number): string {
    const bytes = this.get(slot);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    await rm(this.dir, { recursive: true, force: true });
  }

  private openFd(): number {
    if (this.fd === null) throw new Error('the view spill is closed');
    return this.fd;
  }

  private grow(): void {
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    const lengths = new Int32Array(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.offsets = offsets;
    this.lengths = lengths;
  }
}
