import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInsideRoot, thumbnail } from './dataset-images.js';

describe('dataset images by id', () => {
  let dir: string;
  let root: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leakproof-ui-images-'));
    root = join(dir, 'dataset');
    await mkdir(join(root, 'train', 'NORMAL'), { recursive: true });
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).png().toBuffer();
    await writeFile(join(root, 'train', 'NORMAL', 'a.png'), png);
    await writeFile(join(dir, 'secret.png'), png);
    await symlink(join(dir, 'secret.png'), join(root, 'train', 'NORMAL', 'link-out.png'));
    await symlink(dir, join(root, 'train', 'escape'));
    await symlink(join(root, 'train', 'NORMAL', 'a.png'), join(root, 'train', 'link-in.png'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves a file inside the audited root, including through a symlink that stays inside', async () => {
    expect(await resolveInsideRoot(root, 'train/NORMAL/a.png')).toMatch(/a\.png$/);
    expect(await resolveInsideRoot(root, 'train/link-in.png')).toMatch(/a\.png$/);
    const jpeg = await thumbnail((await resolveInsideRoot(root, 'train/NORMAL/a.png')) as string);
    expect((await sharp(jpeg as Buffer).metadata()).format).toBe('jpeg');
  });

  it('refuses ../, absolute paths, NUL and symlinks leading out of the root', async () => {
    for (const bad of ['../secret.png', 'train/../../secret.png', join(dir, 'secret.png'), 'train/NORMAL/link-out.png', 'train/escape/secret.png', 'a.png\0', '', 'train', 'missing.png']) {
      expect(await resolveInsideRoot(root, bad), bad).toBeUndefined();
    }
  });
});
