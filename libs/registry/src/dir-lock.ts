import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from './errors.js';
import { isProcessAlive } from './liveness.js';

interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
}

export interface DirLock {
  path: string;
  release(): void;
}

/**
 * PGlite is single-process: a second process opening the same data directory would corrupt it.
 * An exclusive lock file (O_EXCL) guards the directory; a lock left by a dead process on this host is taken over.
 */
export function acquireDirLock(dir: string): DirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'registry.lock');
  const me: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, JSON.stringify(me), { flag: 'wx' });
      return { path, release: () => releaseIfMine(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(path);
      if (owner && owner.hostname === me.hostname && !isProcessAlive(owner.pid)) {
        unlinkSync(path);
        continue;
      }
      throw new RegistryError(
        `the registry at ${dir} is in use by another process` +
          (owner ? ` (pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt})` : ''),
        `wait for that process to finish, or set DATABASE_URL to a PostgreSQL server so several processes can record at once` +
          (owner && owner.hostname !== me.hostname ? `; if that process is gone, delete ${path}` : ''),
        'registry-locked',
      );
    }
  }
  throw new RegistryError(`could not lock the registry at ${dir}`, `delete ${path} if no leakproof process is running`);
}

function readOwner(path: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function releaseIfMine(path: string): void {
  const owner = readOwner(path);
  if (owner?.pid === process.pid && owner.hostname === hostname()) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
