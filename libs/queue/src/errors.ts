import { LeakproofError } from '@leakproof/core';

/** Distributed mode asked for without a PostgreSQL DATABASE_URL, or a bad queue option. */
export class DistributedModeError extends LeakproofError {}

/** The coordinator was interrupted (Ctrl-C): its jobs were cancelled; running it again resumes. */
export class DistributedAuditCancelled extends LeakproofError {}

/** A worker cannot take a job whose dataset root it does not see (no shared filesystem at that path). */
export class DatasetNotVisibleError extends LeakproofError {}

export function requirePostgres(databaseUrl: string | undefined): string {
  if (!databaseUrl || !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new DistributedModeError('distributed mode needs PostgreSQL: the embedded registry (PGlite, under .leakproof/registry) lives on one machine and cannot hold a shared job queue', {
      code: 'distributed-needs-postgres',
      hint: 'set DATABASE_URL=postgres://user@host:5432/db on the coordinator and on every worker',
    });
  }
  return databaseUrl;
}
