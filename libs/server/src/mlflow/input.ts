import type { FastifyRequest } from 'fastify';
import { invalid } from '../errors.js';

/** GET requests carry their fields in the query string, POSTs in a JSON body; MLflow's handlers read either. */
export function input(request: FastifyRequest): Record<string, unknown> {
  const body = request.body && typeof request.body === 'object' && !Array.isArray(request.body) ? (request.body as Record<string, unknown>) : {};
  if (request.body !== undefined && request.body !== null && (typeof request.body !== 'object' || Array.isArray(request.body))) throw invalid('the request body must be a JSON object');
  return { ...(request.query as Record<string, unknown>), ...body };
}
