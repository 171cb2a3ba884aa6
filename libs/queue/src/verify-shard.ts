import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { compareOptions, decodeView, hashImageFile, verifyPairs, ViewComparer } from '@leakproof/audit';
import type { VerifyShard } from './audit-jobs.js';
import { requireVisibleRoot } from './audit-jobs.js';
import { loadScores, loadViews, storeScores } from './audit-store.js';
import type { QueueConnection } from './connection.js';

/**
 * A worker process's view comparer: one pool of comparison threads for all its verification jobs, so a job does
 * not pay for starting threads. Sized like the single-process audit's (one thread per core).
 */
export function workerComparer(): ViewComparer {
  return new ViewComparer(availableParallelism(), Number.MAX_SAFE_INTEGER);
}

/**
 * Stage 3 on a worker, as the single-process audit does it: each image's canonical view is the one its hash job
 * stored in audit_hashes (read with one query per job), and the views are compared on the comparer's threads —
 * no decode. Only a content stored without a view is decoded (verifyPairs retries a failed load once, alone);
 * a pair that still cannot be compared is left without a score, which the coordinator reports as `unverified`.
 */
export async function runVerifyShard(q: QueueConnection, shard: VerifyShard, comparer: ViewComparer): Promise<{ verified: number; reused: number; withoutView: number; unverified: number }> {
  requireVisibleRoot(shard.root);
  const known = await loadScores(q, shard.pairs.map((p) => p.key));
  const todo = shard.pairs.filter((p) => !known.has(p.key));
  const files = new Map<string, string>();
  for (const p of todo) {
    files.set(p.sourceSha256, p.source);
    files.set(p.targetSha256, p.target);
  }
  const shas = [...files.keys()];
  const indexOf = new Map(shas.map((s, i) => [s, i]));
  const views = await loadViews(q, shas, shard.settings);
  const load = async (i: number): Promise<Uint8Array> => {
    const sha = shas[i] as string;
    const view = views.get(sha);
    if (view) return decodeView(view);
    return decodeStoredContent(shard.root, files.get(sha) as string, sha, shard.maxPixels);
  };
  const settings = compareOptions(shard.policy);
  const outcomes = await verifyPairs(
    todo.map((p) => ({ a: indexOf.get(p.sourceSha256) as number, b: indexOf.get(p.targetSha256) as number })),
    { load, compare: (a, b) => comparer.compare(a, b, settings), compareConcurrency: comparer.concurrency },
  );
  // failures are not stored (as the local cache): the next audit tries the pair again
  const scored = todo.flatMap((p, k) => {
    const o = outcomes[k];
    return o?.ok ? [{ key: p.key, score: o.score }] : [];
  });
  await storeScores(q, scored);
  return { verified: scored.length, reused: shard.pairs.length - todo.length, withoutView: shas.length - views.size, unverified: todo.length - scored.length };
}

/** The view of a content stored without one: the file decoded again, refused if its bytes are no longer that content. */
async function decodeStoredContent(root: string, path: string, sha256: string, maxPixels: number | undefined): Promise<Uint8Array> {
  const abs = join(root, path);
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (error) {
    throw new Error(`${path}: cannot read it again (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`${path} changed after it was hashed (its SHA-256 differs)`);
  const outcome = await hashImageFile(abs, maxPixels);
  if (!outcome.ok) throw new Error(`${path}: cannot decode it again (${outcome.message})`);
  return decodeView(outcome.view);
}
