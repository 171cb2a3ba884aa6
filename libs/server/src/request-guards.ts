import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, invalid } from './errors.js';

/** PostgreSQL text cannot hold U+0000; refuse it at the door with the field's path rather than a 500 later. */
export function findNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || '(value)' : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && typeof (value as { pipe?: unknown }).pipe !== 'function') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\0')) return `${path}${path ? '.' : ''}(key)`;
      const found = findNul(v, path ? `${path}.${k}` : k);
      if (found) return found;
    }
  }
  return undefined;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Every request must carry `Authorization: Bearer <token>` when the server has a token (always when bound beyond
 * loopback). MLflow's clients send exactly that from MLFLOW_TRACKING_TOKEN.
 */
export function installGuards(app: FastifyInstance, token: string | undefined): void {
  if (token) {
    app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(.+)$/i.exec(header);
      if (!match || !sameToken(match[1] as string, token)) {
        await reply
          .status(401)
          .header('www-authenticate', 'Bearer')
          .send({ error_code: 'UNAUTHENTICATED', message: 'this server needs an access token: send Authorization: Bearer <token> (MLflow clients: set MLFLOW_TRACKING_TOKEN)' });
        return reply;
      }
      return undefined;
    });
  }
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const where = findNul(request.query) ?? findNul(request.params) ?? findNul(request.body);
    if (where) throw invalid(`${where}: NUL characters (\\u0000) are not allowed`);
  });
}

/** An AbortSignal that fires when the client goes away before the answer is sent (queries stop early). */
export function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new ApiError(499, 'CLIENT_CLOSED_REQUEST', 'the client went away'));
  });
  void request;
  return controller.signal;
}
