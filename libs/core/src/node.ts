import { join } from 'node:path';

/** Everything Leakproof writes lives under <cwd>/.leakproof; never inside a dataset folder. */
export function leakproofDir(cwd: string): string {
  return join(cwd, '.leakproof');
}

/** The embedded (PGlite) registry's directory. */
export function embeddedRegistryDir(cwd: string): string {
  return join(leakproofDir(cwd), 'registry');
}
