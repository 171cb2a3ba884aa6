import { AUDIT_ALGORITHM, type HashOutcome } from '@leakproof/audit';
import type { QueueConnection } from './connection.js';

const CHUNK = 5_000;

/** Names what produced a stored hash: the algorithm and the decoder's pixel limit. */
export function hashSettings(maxPixels: number | undefined): string {
  return `${AUDIT_ALGORITHM};maxPixels=${maxPixels ?? 'default'}`;
}

/** A verified score's key in audit_pair_scores: the single-machine cache key plus the algorithm and pixel limit. */
export function storedPairKey(pairKey: string, maxPixels: number | undefined): string {
  return `${hashSettings(maxPixels)};${pairKey}`;
}

/** The contents that have a stored hash outcome under these settings (without reading the outcomes). */
export async function storedShas(q: QueueConnection, shas: readonly string[], settings: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (let i = 0; i < shas.length; i += CHUNK) {
    const chunk = shas.slice(i, i + CHUNK);
    const { rows } = await q.retry('reading hashes', () =>
      q.pool.query<{ content_sha256: string }>('select content_sha256 from audit_hashes where settings = $1 and content_sha256 = any($2::text[])', [settings, chunk]),
    );
    for (const r of rows) out.add(r.content_sha256);
  }
  return out;
}

/**
 * Hash outcomes without their canonical views (4 KB of base64 each): what the coordinator's candidate search and
 * report need. The views stay in the table for the verification jobs (loadViews).
 */
export async function loadHashesWithoutViews(q: QueueConnection, shas: readonly string[], settings: string): Promise<Map<string, HashOutcome>> {
  const out = new Map<string, HashOutcome>();
  for (let i = 0; i < shas.length; i += CHUNK) {
    const chunk = shas.slice(i, i + CHUNK);
    const { rows } = await q.retry('reading hashes', () =>
      q.pool.query<{ content_sha256: string; outcome: HashOutcome }>(`select content_sha256, outcome - 'view' as outcome from audit_hashes where settings = $1 and content_sha256 = any($2::text[])`, [settings, chunk]),
    );
    for (const r of rows) out.set(r.content_sha256, r.outcome);
  }
  return out;
}

/** The canonical view (base64) stored with each content's hash outcome, for the contents that have one. */
export async function loadViews(q: QueueConnection, shas: readonly string[], settings: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (shas.length === 0) return out;
  const { rows } = await q.retry('reading views', () =>
    q.pool.query<{ content_sha256: string; view: string | null }>(`select content_sha256, outcome->>'view' as view from audit_hashes where settings = $1 and content_sha256 = any($2::text[])`, [settings, shas]),
  );
  for (const r of rows) if (r.view) out.set(r.content_sha256, r.view);
  return out;
}

/** Stores outcomes; a content already stored (another worker, a retried job) keeps its first row. */
export async function storeHashes(q: QueueConnection, rows: readonly { sha256: string; outcome: HashOutcome }[], settings: string): Promise<void> {
  if (rows.length === 0) return;
  await q.retry('storing hashes', () =>
    q.pool.query(
      `insert into audit_hashes (content_sha256, settings, outcome)
       select sha, $1, outcome from unnest($2::text[], $3::jsonb[]) as t(sha, outcome)
       on conflict do nothing`,
      [settings, rows.map((r) => r.sha256), rows.map((r) => JSON.stringify(r.outcome))],
    ),
  );
}

export async function loadScores(q: QueueConnection, keys: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < keys.length; i += CHUNK) {
    const chunk = keys.slice(i, i + CHUNK);
    const { rows } = await q.retry('reading scores', () => q.pool.query<{ pair_key: string; score: number }>('select pair_key, score from audit_pair_scores where pair_key = any($1::text[])', [chunk]));
    for (const r of rows) out.set(r.pair_key, r.score);
  }
  return out;
}

export async function storeScores(q: QueueConnection, rows: readonly { key: string; score: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await q.retry('storing scores', () =>
    q.pool.query(
      `insert into audit_pair_scores (pair_key, score)
       select k, s from unnest($1::text[], $2::float8[]) as t(k, s)
       on conflict do nothing`,
      [rows.map((r) => r.key), rows.map((r) => r.score)],
    ),
  );
}
