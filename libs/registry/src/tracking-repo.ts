import { and, asc, eq, sql } from 'drizzle-orm';
import type { RegistryDb } from './db.js';
import { RegistryError, sqlState, translateDbError } from './errors.js';
import type { ExperimentRecord } from './records.js';
import { experiments, runs, tags } from './schema.js';

// What an external tracker (the MLflow API) needs beyond the built-in trainer: experiments by id, params logged
// after the run started, tag removal.

const experimentColumns = { id: experiments.id, name: experiments.name, createdAt: experiments.createdAt, archived: experiments.archived };

export async function getExperiment(db: RegistryDb, id: number): Promise<ExperimentRecord | undefined> {
  const [found] = await db.select(experimentColumns).from(experiments).where(eq(experiments.id, id));
  return found;
}

export async function getExperimentByName(db: RegistryDb, name: string): Promise<ExperimentRecord | undefined> {
  const [found] = await db.select(experimentColumns).from(experiments).where(eq(experiments.name, name));
  return found;
}

export async function listExperiments(db: RegistryDb, limit = 1000): Promise<ExperimentRecord[]> {
  return db.select(experimentColumns).from(experiments).orderBy(asc(experiments.id)).limit(limit);
}

/**
 * Adds params to a running or finished run. A key already logged with the same value is accepted (idempotent,
 * as in MLflow); another value is refused by the database (LP010) - params are write-once.
 */
export async function logParams(db: RegistryDb, runId: number, params: Record<string, unknown>): Promise<void> {
  if (Object.keys(params).some((k) => k === '')) throw new RegistryError('a param needs a key', undefined, 'invalid-input');
  try {
    const updated = await db
      .update(runs)
      .set({ params: sql`${runs.params} || ${JSON.stringify(params)}::jsonb` })
      .where(eq(runs.id, runId))
      .returning({ id: runs.id });
    if (updated.length === 0) throw new RegistryError(`run ${runId} does not exist`, 'list runs with `leakproof runs list`', 'not-found');
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    // run_params keeps nested params flattened, so a dotted key and a nested param may name the same row
    if (sqlState(error) === '23505') {
      const dotted = Object.keys(params).filter((k) => k.includes('.'));
      const named = (dotted.length > 0 ? dotted : Object.keys(params)).map((k) => `"${k}"`).join(', ');
      throw new RegistryError(`param ${named} of run ${runId} collides with a param already logged: a nested param is also its dotted keys ({ opt: { name } } is opt.name); params never change`, 'start a new run instead', 'LP010');
    }
    translateDbError(error);
  }
}

/** Removes a tag; `leakproof.*` lineage tags are refused by the database (LP005). Missing tags are an error. */
export async function deleteTag(db: RegistryDb, runId: number, key: string): Promise<void> {
  try {
    const deleted = await db.delete(tags).where(and(eq(tags.runId, runId), eq(tags.key, key))).returning({ key: tags.key });
    if (deleted.length === 0) throw new RegistryError(`run ${runId} has no tag "${key}"`, undefined, 'not-found');
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    if (sqlState(error) === '23503') throw new RegistryError(`run ${runId} does not exist`, undefined, 'not-found');
    translateDbError(error);
  }
}
