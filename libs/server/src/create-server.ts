import { nonFiniteReplacer } from '@leakproof/core/api/v1';
import Fastify, { type FastifyInstance } from 'fastify';
import { v1BodyLimit } from './body-limits.js';
import type { ServerDeps } from './deps.js';
import { errorHandler } from './errors.js';
import { registerArtifactRoutes } from './mlflow/artifacts.js';
import { registerMlflowRoutes } from './mlflow/routes.js';
import { installGuards } from './request-guards.js';
import { registerUiRoutes } from './ui/register.js';
import { registerV1Routes } from './v1/routes.js';

/**
 * Builds the server (not listening): `/api/v1` (Leakproof's own API), MLflow's tracking API under
 * `/api/2.0/mlflow` and `/ajax-api/2.0/mlflow`, MLflow's artifact proxy under `/api/2.0/mlflow-artifacts`,
 * the web dashboard's routes and its static files. Every refusal is `{ error_code, message }` with a 4xx status.
 */
export async function createServer(deps: ServerDeps, opts: { logger?: boolean; /** the dashboard (default on); in-process servers of train/run skip it */ ui?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: v1BodyLimit, return503OnClosing: true, forceCloseConnections: true });
  // NaN and ±Infinity travel as strings (protobuf JSON, as MLflow's clients expect) instead of JSON.stringify's null
  app.setReplySerializer((payload) => JSON.stringify(payload, nonFiniteReplacer));
  app.setErrorHandler(errorHandler);
  installGuards(app, deps.token);

  await registerV1Routes(app, deps);
  await registerMlflowRoutes(app, deps);
  await registerArtifactRoutes(app, deps);
  // the dashboard (libs/server/src/ui): its /api/ui routes and the built apps/web/dist
  if (opts.ui !== false) await registerUiRoutes(app, { registry: deps.registry, cwd: deps.cwd, ...(deps.webDist ? { webDist: deps.webDist } : {}), ...(deps.log ? { log: deps.log } : {}) });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `no endpoint ${request.method} ${request.url.split('?')[0]}` }),
  );
  return app;
}
