import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cli, type CliRun } from './run-cli.js';

/** Paths of the repository, found from this file so any cwd works. */
export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const sampleDataset = fileURLToPath(new URL('../../data/sample/chest_xray', import.meta.url));
export const cliBin = fileURLToPath(new URL('../../apps/cli/bin/leakproof.js', import.meta.url));

/** What a command started by `leakproof run` needs from the caller's environment (no DATABASE_URL: embedded store). */
export const childEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'], HOME: process.env['HOME'], LANG: 'C.UTF-8' });

/** Whether `python` can import every module in `modules`; the reason when not. */
export function pythonWith(python: string, modules: string[]): { ok: boolean; reason: string } {
  const probe = spawnSync(python, ['-c', `import ${['sys', ...modules].join(', ')}`], { encoding: 'utf8' });
  if (probe.error) return { ok: false, reason: `${python} is not installed (${probe.error.message})` };
  if (probe.status !== 0) return { ok: false, reason: `${python} cannot import ${modules.join(', ')}: ${probe.stderr.trim().split('\n').pop()}` };
  return { ok: true, reason: '' };
}

/** The run id `leakproof run` reports on stderr ("run 3 finished (exit code 0) …"). */
export function runIdOf(res: CliRun): number {
  const m = /leakproof: run (\d+) (finished|failed|interrupted)/.exec(res.stderr) ?? /run (\d+) started/.exec(res.stderr);
  if (!m) throw new Error(`no run id in:\n${res.stderr}`);
  return Number(m[1]);
}

export interface ShownRun {
  id: number;
  experiment: string;
  status: string;
  audit: { id: number; verdict: string; fingerprint: string; splits: { name: string; images: number }[] };
  params: Record<string, unknown>;
  metrics: { key: string; count: number; last: number | null }[];
  evaluations: { id: number; split: string; threshold: number; metrics: Record<string, { value: number | null; lo?: number | null; hi?: number | null }> }[];
  artifacts: { kind: string; path: string; size: number }[];
  tags: Record<string, string>;
}

export async function showRun(cwd: string, id: number): Promise<ShownRun> {
  const res = await cli(cwd, ['runs', 'show', String(id), '--format', 'json']);
  if (res.code !== 0) throw new Error(`runs show ${id} failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as ShownRun;
}
