import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashCache, spilled } from './hash-cache.js';
import type { HashOutcome } from './image-hash.js';
import { ViewSpill } from './view-spill.js';

const view = (i: number): string => Buffer.alloc(4096, i % 256).toString('base64');
const outcome = (i: number): HashOutcome => ({ ok: true, width: 64, height: 64, pixel: `p${i}`, block: `b${i}`, cropBlocks: [`c${i}`], view: view(i), codes: `d${i}` });

async function filled(dir: string, count: number): Promise<void> {
  const spill = await ViewSpill.create();
  const cache = await HashCache.open(dir, '/data', spill);
  for (let i = 0; i < count; i++) cache.set(`/data/${i}.png`, i, 1000 + i, spilled(outcome(i), spill));
  for (let i = 0; i < 25_000; i++) cache.setPair(`k${i}`, i / 25_000);
  cache.setCandidates('key', { candidates: [], matched: [] } as never);
  await cache.save();
  await spill.close();
}

describe('hash cache file (JSON Lines)', () => {
  it('round-trips entries, pair scores (over several lines) and the candidate set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-cache-'));
    await filled(dir, 3000);
    const spill = await ViewSpill.create();
    const cache = await HashCache.open(dir, '/data', spill);
    const record = cache.get('/data/2999.png', 2999, 3999);
    expect(record?.result).toEqual({ ...outcome(2999), view: '' });
    expect(spill.base64(record?.viewSlot as number)).toEqual(view(2999));
    expect(cache.get('/data/2999.png', 2999, 1)).toBeUndefined();
    expect(cache.getPair('k24999')).toBeCloseTo(24_999 / 25_000);
    expect(cache.getCandidates('key')).toEqual({ candidates: [], matched: [] });
    const [file] = await readdir(dir);
    expect((await readFile(join(dir, file as string), 'utf8')).split('\n').length).toBeGreaterThan(3000);
    await spill.close();
  });

  it('ignores a truncated, corrupt or older cache instead of failing the audit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-cache-'));
    await filled(dir, 10);
    const [file] = await readdir(dir);
    const path = join(dir, file as string);
    const text = await readFile(path, 'utf8');
    for (const broken of [text.slice(0, text.length / 2), 'not json\n', `${JSON.stringify({ version: 4, entries: {}, pairs: {} })}\n`, '']) {
      await writeFile(path, broken);
      const spill = await ViewSpill.create();
      const cache = await HashCache.open(dir, '/data', spill);
      expect(cache.get('/data/0.png', 0, 1000)).toBeUndefined();
      expect(cache.getPair('k1')).toBeUndefined();
      await spill.close();
    }
  });
});

describe('view spill', () => {
  it('gives back every view, refuses unknown slots, and removes its file on close', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'view-spill-'));
    const spill = await ViewSpill.create(parent);
    const slots = Array.from({ length: 3000 }, (_, i) => spill.put(i % 2 ? view(i) : Buffer.alloc(100 + i, i % 256)));
    expect(spill.base64(slots[2999] as number)).toEqual(view(2999));
    expect([...spill.get(slots[10] as number)]).toEqual([...Buffer.alloc(110, 10)]);
    expect(() => spill.get(3000)).toThrow(/no spilled view/);
    await spill.close();
    expect(await readdir(parent)).toEqual([]);
  });
});
