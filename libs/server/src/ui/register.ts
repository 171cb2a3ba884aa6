import type { Registry } from '@leakproof/registry';
import type { FastifyInstance } from 'fastify';
import { registerAuditRoutes } from './audit-routes.js';
import { registerEvaluationRoutes } from './evaluation-routes.js';
import { registerHistoryGateRoutes } from './history-gate-routes.js';
import { registerRunRoutes } from './runs-routes.js';
import { CONTENT_SECURITY_POLICY, registerStaticApp } from './static-app.js';
import { ensureWebBundle } from './web-bundle.js';

export interface UiDeps {
  registry: Registry;
  /** the project directory: leakproof.config.json, leakproof.policy.json, .leakproof/ */
  cwd: string;
  /** the built web app; default apps/web/dist, built on first start when missing or stale */
  webDist?: string;
  log?: (line: string) => void;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * The dashboard: the web app's files and its `/api/ui/*` routes, in one encapsulated plugin so its headers
 * and hooks touch nothing else the server serves.
 */
export async function registerUiRoutes(app: FastifyInstance, deps: UiDeps): Promise<void> {
  const dist = await ensureWebBundle({ ...(deps.webDist ? { dist: deps.webDist } : {}), ...(deps.log ? { log: deps.log } : {}) });
  await app.register(async (ui) => {
    ui.addHook('onSend', async (_request, reply, payload) => {
      reply.header('content-security-policy', reply.getHeader('content-security-policy') ?? CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-frame-options', 'DENY');
      return payload;
    });
    // state-changing requests must come from the dashboard's own origin (no cross-site form or fetch)
    ui.addHook('preHandler', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD') return;
      const origin = request.headers.origin;
      // an origin that is no URL (`null` from a sandboxed frame or a file:// page) is not this dashboard either
      if (origin && hostOf(origin) !== request.headers.host) {
        return reply.code(403).send({ error_code: 'PERMISSION_DENIED', message: 'requests that change data must come from the dashboard itself' });
      }
    });
    await registerStaticApp(ui, dist);
    registerRunRoutes(ui, deps.registry);
    registerEvaluationRoutes(ui, deps.registry);
    registerAuditRoutes(ui, deps.registry, deps.cwd);
    registerHistoryGateRoutes(ui, deps.registry, deps.cwd);
  });
}

export { ensureWebBundle, webBundleIsStale } from './web-bundle.js';
export { resolveInsideRoot } from './dataset-images.js';
export { runsPage } from './runs-routes.js';
export { gateStatus } from './history-gate-routes.js';
export { CONTENT_SECURITY_POLICY } from './static-app.js';
