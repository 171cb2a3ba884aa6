import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { CommandHandler } from '../command-table.js';
import { UserError } from '../errors.js';
import { result } from '../output.js';
import { flagOption, parseOptions } from '../options.js';
import { z } from 'zod';

/** The options of `leakproof hooks install`, as commander passes them. */
export const hooksInstallOptions = z.object({
  force: flagOption(),
});

const MARKER = '# leakproof-managed-hook';

export const HOOK = `#!/bin/sh
${MARKER}: pre-push (installed by \`leakproof hooks install\`; re-run it to update, delete this file to remove)
# Blocks a push when a dataset in leakproof.config.json leaks between splits or changed since its last passing audit.
exec npx --no-install leakproof gate --format table
`;

export const run: CommandHandler = async (ctx, _args, rawOpts) => {
  const opts = parseOptions(hooksInstallOptions, rawOpts);
  let hooksDir: string;
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--git-path', 'hooks'], { cwd: ctx.cwd });
    hooksDir = resolve(ctx.cwd, stdout.trim());
  } catch {
    throw new UserError(`${ctx.cwd} is not inside a git repository`, 'run `leakproof hooks install` from your repository');
  }
  const hookPath = join(hooksDir, 'pre-push');
  let existing: string | undefined;
  try {
    existing = await readFile(hookPath, 'utf8');
  } catch {
    existing = undefined;
  }
  if (existing !== undefined && !existing.includes(MARKER) && !opts.force) {
    throw new UserError(`${hookPath} already exists and was not installed by leakproof`, 'merge `npx leakproof gate` into it by hand, or pass --force to replace it');
  }
  await mkdir(hooksDir, { recursive: true });
  await writeFile(hookPath, HOOK);
  await chmod(hookPath, 0o755);
  const action = existing === undefined ? 'installed' : existing.includes(MARKER) ? 'updated' : 'replaced (--force)';
  const data = { hook: hookPath, action };
  return result<unknown>(data, { table: () => `pre-push hook ${action}: ${hookPath}\n` });
};
