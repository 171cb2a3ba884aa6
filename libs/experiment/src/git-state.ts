import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The commit and dirty flag recorded with a run; null when cwd is not a git checkout. */
export async function gitState(cwd: string): Promise<{ commit: string | null; dirty: boolean | null }> {
  try {
    const { stdout: head } = await run('git', ['rev-parse', 'HEAD'], { cwd });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd });
    return { commit: head.trim(), dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}
