import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGateConfig } from './gate-config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gate-config-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const load = async (config: unknown): Promise<unknown> => {
  const path = join(dir, 'leakproof.config.json');
  await writeFile(path, JSON.stringify(config));
  return loadGateConfig(path);
};

describe('loadGateConfig', () => {
  it('refuses two datasets under one name (the name keys the lock file), naming the entry', async () => {
    const config = { datasets: [{ name: 'chest', path: 'a' }, { name: 'chest', path: 'b' }] };
    await expect(load(config)).rejects.toMatchObject({ userFacing: true, message: expect.stringMatching(/datasets\.1\.name: 'chest' names another dataset already/) });
  });

  it('reads distinct names with the default lock file', async () => {
    await expect(load({ datasets: [{ name: 'a', path: 'a' }, { name: 'b', path: 'b' }] })).resolves.toMatchObject({ lockFile: 'leakproof.lock.json' });
  });

  it('reads a config saved with a UTF-8 byte-order mark (Notepad, PowerShell)', async () => {
    const path = join(dir, 'leakproof.config.json');
    await writeFile(path, `\uFEFF${JSON.stringify({ datasets: [{ name: 'a', path: 'a' }] })}`);
    await expect(loadGateConfig(path)).resolves.toMatchObject({ datasets: [{ name: 'a', path: 'a' }] });
  });
});
