import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { hashImageBatch, policySchema, type HashOutcome } from '@leakproof/audit';
import { storedShas, storeHashes } from './audit-store.js';
import type { QueueConnection } from './connection.js';
import { DatasetNotVisibleError } from './errors.js';

export const hashShardSchema = z.object({
  version: z.string(),
  root: z.string(),
  settings: z.string(),
  maxPixels: z.number().int().positive().optional(),
  /** one file per distinct content, by path relative to root */
  files: z.array(z.object({ path: z.string(), sha256: z.string() })),
});
export type HashShard = z.infer<typeof hashShardSchema>;

export const verifyShardSchema = z.object({
  version: z.string(),
  root: z.string(),
  /** the hash settings whose stored records hold the canonical views to compare */
  settings: z.string(),
  policy: policySchema,
  maxPixels: z.number().int().positive().optional(),
  /** files by path relative to root (only decoded when their record has no view) and by content SHA-256 */
  pairs: z.array(z.object({ source: z.string(), target: z.string(), sourceSha256: z.string(), targetSha256: z.string(), startScale: z.number(), key: z.string() })),
});
export type VerifyShard = z.infer<typeof verifyShardSchema>;

/** Hooks that only tests set (through the worker's environment): a slow or a process-killing file. */
export interface WorkerTestHooks {
  /** sleep this long per hashed file, so a test can kill a worker mid-shard */
  delayPerFileMs?: number;
  /** abort the whole process (like a decoder crash) when a file path contains this */
  abortOnFile?: string;
}

export function testHooksFromEnv(env: Record<string, string | undefined>): WorkerTestHooks {
  return {
    ...(env['LEAKPROOF_TEST_DELAY_PER_FILE_MS'] ? { delayPerFileMs: Number(env['LEAKPROOF_TEST_DELAY_PER_FILE_MS']) } : {}),
    ...(env['LEAKPROOF_TEST_ABORT_ON_FILE'] ? { abortOnFile: env['LEAKPROOF_TEST_ABORT_ON_FILE'] } : {}),
  };
}

export function requireVisibleRoot(root: string): void {
  if (!existsSync(root)) {
    throw new DatasetNotVisibleError(`dataset root ${root} is not visible on worker ${hostname()} (pid ${process.pid}); job left for a worker that sees it`, {
      code: 'dataset-not-visible',
      hint: 'mount the shared filesystem at the same path on every worker, or run workers only where it is mounted',
    });
  }
}

/** Files stored to the content table after each chunk, so a retried shard redoes at most two chunks. */
const CHUNK = 25;

/**
 * Stage 1 on a worker: hashes the shard's files not yet in audit_hashes and stores them. A chunk is stored while
 * the next one is hashed, so the database round trip does not stop the decoding.
 */
export async function runHashShard(q: QueueConnection, shard: HashShard, hooks: WorkerTestHooks = {}): Promise<{ hashed: number; reused: number }> {
  requireVisibleRoot(shard.root);
  const known = await storedShas(q, shard.files.map((f) => f.sha256), shard.settings);
  const todo = shard.files.filter((f) => !known.has(f.sha256));
  let storing: Promise<void> = Promise.resolve();
  for (let i = 0; i < todo.length; i += CHUNK) {
    const chunk = todo.slice(i, i + CHUNK);
    for (const f of chunk) {
      if (hooks.abortOnFile && f.path.includes(hooks.abortOnFile)) process.abort();
      if (hooks.delayPerFileMs) await new Promise((r) => setTimeout(r, hooks.delayPerFileMs));
    }
    const outcomes = await hashImageBatch(
      chunk.map((f) => join(shard.root, f.path)),
      shard.maxPixels === undefined ? {} : { maxPixels: shard.maxPixels },
    );
    await storing;
    storing = storeHashes(q, chunk.map((f, k) => ({ sha256: f.sha256, outcome: outcomes[k] as HashOutcome })), shard.settings);
    // awaited on the next turn or below; this only keeps a failure from counting as unhandled meanwhile
    storing.catch(() => undefined);
  }
  await storing;
  return { hashed: todo.length, reused: shard.files.length - todo.length };
}
