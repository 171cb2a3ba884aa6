import { realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { nonFiniteReplacer } from '@leakproof/core/api/v1';
import { UserError } from './errors.js';

export const formats = ['table', 'json', 'md', 'html', 'csv'] as const;
export type Format = (typeof formats)[number];

/**
 * What every command returns: the data, the exit code its findings call for, and the renderers it supports.
 * JSON is always available; commands add table/md/html/csv as they make sense.
 */
export interface CommandResult<T = unknown> {
  exitCode: 0 | 1;
  data: T;
  render?: Renderers<T>;
}

/** Method syntax on purpose: it lets a CommandResult<Specific> stand where CommandResult<unknown> is expected. */
export interface Renderers<T> {
  table?(data: T): string;
  md?(data: T): string;
  html?(data: T): string;
  csv?(data: T): string;
}

export function result<T>(data: T, render: CommandResult<T>['render'] = {}, exitCode: 0 | 1 = 0): CommandResult<T> {
  return { exitCode, data, render };
}

export function renderResult<T>(res: CommandResult<T>, format: Format): string {
  // NaN and ±Infinity (a diverged loss) as the API writes them, 'NaN' / 'Infinity', not as JSON.stringify's null ("no value")
  if (format === 'json') return JSON.stringify(res.data, nonFiniteReplacer, 2) + '\n';
  const renderer = res.render?.[format]?.bind(res.render);
  if (!renderer) {
    const supported = ['json', ...Object.keys(res.render ?? {})].join(', ');
    throw new UserError(`this command cannot print --format ${format}`, `use one of: ${supported}`);
  }
  const text = renderer(res.data);
  return text.endsWith('\n') ? text : text + '\n';
}

/** One Markdown table row; a `|` in a value is escaped and a line break becomes <br>, so no value can split the table. */
export function mdRow(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/\|/g, '\\|').replace(/\r\n|\r|\n/g, '<br>')).join(' | ')} |`;
}

export function parseFormat(value: string | undefined, fallback: Format = 'table'): Format {
  if (value === undefined) return fallback;
  if ((formats as readonly string[]).includes(value)) return value as Format;
  throw new UserError(`unknown --format '${value}'`, `use one of: ${formats.join(', ')}`);
}

/** Refuses a format the command cannot render before the command does any work. */
export function requireFormat(command: string, format: Format, supported: readonly Format[]): void {
  if (format !== 'json' && !supported.includes(format)) {
    throw new UserError(`${command} cannot print --format ${format}`, `use one of: ${[...new Set(['json', ...supported])].join(', ')}`);
  }
}

/** Refuses an --output whose folder does not exist, or that is a folder, before the command does any work (nothing is created but the file). */
export async function requireOutputFolder(cwd: string, output: string, flag = '--output'): Promise<void> {
  const path = resolve(cwd, output);
  const folder = dirname(path);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UserError(`cannot write ${flag} ${output}: the folder ${folder} does not exist`, `create it first (mkdir -p ${folder}) or write to an existing folder`);
  }
  if ((await stat(path).catch(() => undefined))?.isDirectory()) {
    throw new UserError(`cannot write ${flag} ${output}: ${path} is a folder`, `name a file, e.g. ${join(output, 'report.txt')}`);
  }
}

/** Refuses an --output inside the dataset folder: nothing is ever written into a dataset, and the report could replace an image. */
export async function requireOutputOutsideDataset(cwd: string, output: string, dataset: string): Promise<void> {
  const path = resolve(cwd, output);
  const file = join(await realpath(dirname(path)).catch(() => dirname(path)), basename(path));
  const root = await realpath(resolve(cwd, dataset)).catch(() => resolve(cwd, dataset));
  const rel = relative(root, file);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return;
  throw new UserError(`cannot write --output ${output}: it is inside the dataset folder ${root}`, 'nothing is written into a dataset; write the report outside it (e.g. -o report.html in the working folder)');
}

/** Writes to --output when given (creating nothing but that file), else to stdout. */
export async function emit(text: string, stdout: NodeJS.WritableStream, cwd: string, output?: string, flag = '--output'): Promise<void> {
  if (output) {
    const path = resolve(cwd, output);
    await writeFile(path, text).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(`cannot write ${flag} ${path}: ${error.code ?? error.message}`, 'choose a writable file in an existing folder');
    });
    return;
  }
  await new Promise<void>((done) => (stdout.write(text) ? done() : stdout.once('drain', () => done())));
}
