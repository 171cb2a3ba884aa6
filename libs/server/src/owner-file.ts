import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `<registry dir>/server.json`: written by the process that owns an embedded (PGlite) store while it serves it,
 * so every other command talks to that process over HTTP instead of opening the single-process store itself.
 * Mode 0600: it holds the token.
 */
export const ownerFileSchema = z.object({ url: z.string().url(), pid: z.number().int(), hostname: z.string(), token: z.string().optional(), startedAt: z.string() });
export type OwnerFile = z.infer<typeof ownerFileSchema>;

export const ownerFilePath = (registryDir: string) => join(registryDir, 'server.json');

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

export function writeOwnerFile(registryDir: string, owner: Omit<OwnerFile, 'pid' | 'hostname' | 'startedAt'>): OwnerFile {
  const file: OwnerFile = { ...owner, pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString() };
  const path = ownerFilePath(registryDir);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(file, null, 2), { mode: 0o600 });
  renameSync(temporary, path);
  return file;
}

export function readOwnerFile(registryDir: string): OwnerFile | undefined {
  try {
    const parsed = ownerFileSchema.safeParse(JSON.parse(readFileSync(ownerFilePath(registryDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the file only if this process wrote it (a successor may already have replaced it). */
export function removeOwnerFile(registryDir: string): void {
  const owner = readOwnerFile(registryDir);
  if (owner && owner.pid === process.pid && owner.hostname === hostname()) {
    try {
      unlinkSync(ownerFilePath(registryDir));
    } catch {
      // already gone
    }
  }
}

/** A live owner on this host (pid alive). An owner on another host is trusted as long as the file exists. */
export function liveOwner(registryDir: string): OwnerFile | undefined {
  const owner = readOwnerFile(registryDir);
  if (!owner) return undefined;
  if (owner.hostname !== hostname()) return owner;
  try {
    process.kill(owner.pid, 0);
    return owner;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? owner : undefined;
  }
}
