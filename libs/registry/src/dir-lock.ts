import { createHash, randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from './errors.js';
import { isProcessAlive } from './liveness.js';

/** Who holds the lock. `procStart` and `bootId` tell a live owner from an unrelated process that got its pid. */
export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** /proc/<pid>/stat starttime (clock ticks since boot); null where there is no /proc */
  procStart?: string | null;
  /** /proc/sys/kernel/random/boot_id; changes at every reboot */
  bootId?: string | null;
  nonce?: string;
}

export interface DirLock {
  path: string;
  release(): void;
}

type OwnerState = 'alive' | 'stale' | 'other-host';

const attempts = 200;
const backoffMs = 10;

/**
 * PGlite is single-process: a second process opening the same data directory would corrupt it.
 * An exclusive lock file (O_EXCL) guards the directory. A lock left by a dead process on this host is taken
 * over atomically: several processes may find the same stale lock at once, so removing it needs a claim file
 * named after that exact lock's content (created O_EXCL, so one process wins), and the winner removes the
 * lock only if it still holds that content. Everyone then races on the O_EXCL create again: one holder.
 */
export function acquireDirLock(dir: string): DirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'registry.lock');
  const me = currentOwner();
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (createExclusive(path, JSON.stringify(me))) return { path, release: () => releaseIfMine(path, me) };
    const seen = readText(path);
    if (seen === undefined) continue; // released meanwhile
    const owner = parseOwner(seen);
    const state = owner ? ownerState(owner, me) : 'stale';
    if (state !== 'stale') throw lockedError(dir, path, owner as LockOwner, state);
    if (!removeStaleLock(path, seen)) sleepSync(backoffMs);
  }
  throw new RegistryError(`could not lock the registry at ${dir}: other processes kept taking it`, `retry; if no leakproof process is running, delete ${path}`, 'registry-locked');
}

/** This process as a lock owner. */
export function currentOwner(pid = process.pid): LockOwner {
  return { pid, hostname: hostname(), startedAt: new Date().toISOString(), procStart: processStartTime(pid), bootId: bootId(), nonce: randomUUID() };
}

/**
 * A lock on this host is stale when the machine rebooted since (boot id), its pid is gone, or the pid now
 * belongs to a process started at another time (pid reuse: pid 1 in a restarted container). Locks from another
 * host cannot be judged from here.
 */
export function ownerState(owner: LockOwner, me: LockOwner = currentOwner()): OwnerState {
  if (owner.hostname !== me.hostname) return 'other-host';
  if (owner.bootId && me.bootId && owner.bootId !== me.bootId) return 'stale';
  if (!isProcessAlive(owner.pid)) return 'stale';
  if (owner.procStart) {
    const now = processStartTime(owner.pid);
    if (now !== null && now !== owner.procStart) return 'stale';
  }
  return 'alive';
}

/** Removes the lock at `path` if it still has exactly the content judged stale; true when this process did it. */
function removeStaleLock(path: string, seen: string): boolean {
  const claim = `${path}.takeover-${createHash('sha256').update(seen).digest('hex').slice(0, 16)}`;
  if (!createExclusive(claim, JSON.stringify(currentOwner()))) {
    const claimer = parseOwner(readText(claim) ?? '');
    if (claimer && ownerState(claimer) === 'stale') {
      throw new RegistryError(
        `a process (pid ${claimer.pid}) died while clearing the stale registry lock ${path}`,
        `make sure no leakproof process is running, then delete ${claim} and ${path}`,
        'registry-locked',
      );
    }
    return false; // another process is clearing it right now
  }
  try {
    // whoever removed `seen` before us held this claim; a lock with other content is somebody's fresh lock
    if (readText(path) !== seen) return false;
    unlinkSync(path);
    return true;
  } finally {
    unlinkSync(claim);
  }
}

function lockedError(dir: string, path: string, owner: LockOwner, state: OwnerState): RegistryError {
  const who = `pid ${owner.pid} on ${owner.hostname}, since ${owner.startedAt}`;
  const unsure = !owner.procStart && state === 'alive';
  return new RegistryError(
    `the registry at ${dir} is in use by another process (${who})`,
    state === 'other-host'
      ? `the lock was taken on host ${owner.hostname}, so it cannot be checked from here: if no leakproof process runs there, delete ${path}; to record from several processes or hosts at once, set DATABASE_URL to a PostgreSQL server`
      : `wait for that process to finish${unsure ? ` (if pid ${owner.pid} is not a leakproof process — its pid may have been reused after a reboot — delete ${path})` : ''}, or set DATABASE_URL to a PostgreSQL server so several processes can record at once`,
    'registry-locked',
  );
}

/**
 * Creates `path` with `text` only if it does not exist. Written to a private file and hard-linked into place,
 * so the lock never exists half-written (an empty file read mid-write would look like garbage, i.e. stale).
 */
function createExclusive(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temp, text, { flag: 'wx' });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.hostname === 'string' ? owner : undefined;
  } catch {
    return undefined; // a torn or foreign file: treated as stale, removed only if unchanged
  }
}

/** Field 22 of /proc/<pid>/stat; the command name before it may contain spaces and parentheses. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function releaseIfMine(path: string, me: LockOwner): void {
  const owner = parseOwner(readText(path) ?? '');
  if (owner?.nonce === me.nonce) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
}
