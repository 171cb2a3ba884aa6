import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rename, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MlflowFileInfo } from '@leakproof/core/api/mlflow';
import { runDirectory } from '../deps.js';
import { ApiError, invalid, notFound } from '../errors.js';

/**
 * A run's artifacts live in `<run dir>/artifacts/`. Every path from a request is checked segment by segment
 * (no '..', '.', empty, backslash or NUL segments; no absolute paths) and every existing component is lstat'ed:
 * a symlink anywhere under the run directory is refused, so nothing outside it is read or written.
 */
export function safeSegments(relative: string): string[] {
  if (relative === '') return [];
  if (relative.includes('\0') || relative.includes('\\')) throw invalid(`invalid artifact path '${relative}'`);
  const segments = relative.split('/').filter((s, i, all) => !(s === '' && i === all.length - 1));
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..') throw invalid(`invalid artifact path '${relative}': no empty, '.' or '..' segments`, 'give a path relative to the run\'s artifact root, e.g. plots/roc.png');
  }
  return segments;
}

export const artifactRoot = (cwd: string, runId: number) => join(runDirectory(cwd, runId), 'artifacts');

/** Resolves segments under the root; refuses any existing symlink on the way (the root's own parents are ours). */
async function resolveInside(root: string, segments: string[]): Promise<{ path: string; exists: boolean }> {
  let path = root;
  for (const s of segments) {
    path = join(path, s);
    try {
      const info = await lstat(path);
      if (info.isSymbolicLink()) throw invalid(`artifact path '${segments.join('/')}' goes through a symbolic link`);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      return { path: join(root, ...segments), exists: false };
    }
  }
  const real = await realpath(path);
  const realRoot = await realpath(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw invalid(`artifact path '${segments.join('/')}' leaves the run's artifact root`);
  return { path, exists: true };
}

export interface StoredArtifact {
  path: string;
  sha256: string;
  size: number;
}

/** Streams an upload to a temporary file next to the target, then renames it (no half-written artifacts). */
export async function writeArtifact(cwd: string, runId: number, relative: string, body: Readable, maxBytes: number): Promise<StoredArtifact> {
  const segments = safeSegments(relative);
  if (segments.length === 0) throw invalid('an artifact upload needs a file path under the run\'s artifact root');
  const root = artifactRoot(cwd, runId);
  await mkdir(root, { recursive: true });
  // create parents one by one through the checked path, never following a link
  for (let i = 1; i < segments.length; i++) {
    const { path, exists } = await resolveInside(root, segments.slice(0, i));
    if (!exists) await mkdir(path);
    else if (!(await stat(path)).isDirectory()) throw invalid(`'${segments.slice(0, i).join('/')}' is a file, not a folder`);
  }
  const target = await resolveInside(root, segments);
  if (target.exists && (await stat(target.path)).isDirectory()) throw invalid(`'${relative}' is a folder`);
  const temporary = `${target.path}.upload-${process.pid}-${Date.now()}`;
  const hash = createHash('sha256');
  let size = 0;
  const out = createWriteStream(temporary, { flags: (constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW) as unknown as string });
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > maxBytes) throw new ApiError(413, 'REQUEST_LIMIT_EXCEEDED', `artifact larger than ${maxBytes} bytes`);
        hash.update(chunk);
        yield chunk;
      }
    },
    out,
  );
  await rename(temporary, target.path);
  return { path: target.path, sha256: hash.digest('hex'), size };
}

export async function openArtifact(cwd: string, runId: number, relative: string): Promise<{ stream: ReadStream; size: number }> {
  const target = await resolveInside(artifactRoot(cwd, runId), safeSegments(relative));
  if (!target.exists) throw notFound(`artifact '${relative}' of run ${runId} does not exist`);
  const info = await stat(target.path);
  if (!info.isFile()) throw invalid(`'${relative}' is a folder; list it instead`);
  return { stream: createReadStream(target.path, { flags: (constants.O_RDONLY | constants.O_NOFOLLOW) as unknown as string }), size: info.size };
}

/** Direct children of a folder under the run's artifact root; `pathOf` names each (MLflow wants basenames or root-relative paths). */
export async function listArtifactDir(cwd: string, runId: number, relative: string, pathOf: (name: string) => string): Promise<MlflowFileInfo[]> {
  const target = await resolveInside(artifactRoot(cwd, runId), safeSegments(relative));
  if (!target.exists || !(await stat(target.path)).isDirectory()) return [];
  const entries = await readdir(target.path, { withFileTypes: true });
  const files: MlflowFileInfo[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isSymbolicLink() || e.name.includes('.upload-')) continue;
    if (e.isDirectory()) files.push({ path: pathOf(e.name), is_dir: true });
    else if (e.isFile()) files.push({ path: pathOf(e.name), is_dir: false, file_size: (await stat(join(target.path, e.name))).size });
  }
  return files;
}

/** GET /api/2.0/mlflow/artifacts/list: paths relative to the run's artifact root. */
export async function listRunArtifacts(cwd: string, runId: number, experimentId: number, relative: string) {
  const prefix = safeSegments(relative).join('/');
  const files = await listArtifactDir(cwd, runId, relative, (name) => (prefix ? `${prefix}/${name}` : name));
  return { root_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, files };
}
