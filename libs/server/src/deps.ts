import { join } from 'node:path';
import { leakproofDir } from '@leakproof/core/node';
import type { Registry } from '@leakproof/registry';

/** What every route group gets: the registry, where run directories live, how the store is held. */
export interface ServerDeps {
  /** the server always owns its store (it never serves through another server) */
  registry: Registry;
  /** the project folder: run directories are <cwd>/.leakproof/runs/<id> */
  cwd: string;
  store: 'pglite' | 'postgres';
  /** when set, every request must send `Authorization: Bearer <token>` */
  token?: string;
  /** the built web dashboard; served at / when it exists. Default: apps/web/dist of this checkout */
  webDist?: string;
  /** progress lines (e.g. the dashboard's first build) */
  log?: (line: string) => void;
}

export const runDirectory = (cwd: string, runId: number): string => join(leakproofDir(cwd), 'runs', String(runId));
