import { MLFLOW_ARTIFACTS_PREFIX } from '@leakproof/core/api/mlflow';
import type { Registry } from '@leakproof/registry';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { ServerDeps } from '../deps.js';
import { invalid, notFound } from '../errors.js';
import { listArtifactDir, openArtifact, safeSegments, writeArtifact } from './artifact-files.js';
import { existingRun, runningRun } from './ids.js';

/** Uploads stream to disk, so they are bounded here rather than by the JSON body limit. */
export const maxArtifactBytes = 2 * 1024 ** 3;

interface ArtifactAddress {
  experimentId: number;
  runId: string;
  relative: string;
}

/** `<experiment id>/<run id>/artifacts[/<path>]`, the layout of the artifact_uri MLflow's clients received. */
function address(path: string): ArtifactAddress {
  const m = /^([0-9]{1,10})\/([^/]+)\/artifacts(?:\/(.*))?$/.exec(path);
  if (!m) throw notFound(`no artifacts at '${path}': expected <experiment id>/<run id>/artifacts/<path>`);
  return { experimentId: Number(m[1]), runId: m[2] as string, relative: m[3] ?? '' };
}

async function runAt(registry: Registry, a: ArtifactAddress, forWriting: boolean) {
  const run = forWriting ? await runningRun(registry, a.runId) : await existingRun(registry, a.runId);
  const experiment = await registry.getExperimentByName(run.experiment);
  if (experiment?.id !== a.experimentId) throw notFound(`run ${run.id} is not in experiment ${a.experimentId}`);
  return run;
}

const wildcard = (request: FastifyRequest) => (request.params as { '*': string })['*'];

/** MLflow's artifact proxy (`--serve-artifacts`): upload, download and list files of a run's artifact root. */
export async function registerArtifactRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const { registry, cwd } = deps;
  await app.register(
    async (scope) => {
      // any content type: the body is the file, streamed to disk untouched
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
      scope.put('/*', async (request) => {
        const a = address(wildcard(request));
        if (safeSegments(a.relative).length === 0) throw invalid('an artifact upload needs a file path under the run\'s artifact root');
        const run = await runAt(registry, a, true);
        const body = (request.body ?? request.raw) as Readable;
        const stored = await writeArtifact(cwd, run.id, a.relative, body, maxArtifactBytes);
        await registry.addArtifact({ runId: run.id, path: stored.path, sha256: stored.sha256, size: stored.size, kind: `mlflow:${safeSegments(a.relative).join('/')}` });
        return {};
      });
      scope.get('/*', async (request, reply) => {
        const a = address(wildcard(request));
        const run = await runAt(registry, a, false);
        const { stream, size } = await openArtifact(cwd, run.id, a.relative);
        return reply.type('application/octet-stream').header('content-length', size).send(stream);
      });
      scope.get('/', async (request) => {
        const path = (request.query as { path?: unknown }).path;
        if (path === undefined || path === '') return { files: [] };
        if (typeof path !== 'string') throw invalid('path must be a string');
        const a = address(path.replace(/\/+$/, ''));
        const run = await runAt(registry, a, false);
        return { files: await listArtifactDir(cwd, run.id, a.relative, (name) => name) };
      });
    },
    { prefix: MLFLOW_ARTIFACTS_PREFIX },
  );
}
