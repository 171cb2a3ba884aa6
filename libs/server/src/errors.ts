import { isLeakproofError } from '@leakproof/core';
import { FilterSyntaxError } from '@leakproof/registry';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError, type z } from 'zod';

/**
 * A refusal the client can fix, answered as `{ error_code, message }` with its HTTP status. Codes follow MLflow's
 * (INVALID_PARAMETER_VALUE 400, RESOURCE_DOES_NOT_EXIST 404, …) on every route, so one client handles both APIs.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalid = (message: string, hint?: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message, hint);
export const notFound = (message: string, hint?: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message, hint);

export function zodMessage(error: ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.join('.') || '(body)';
      return i.code === 'unrecognized_keys' ? `${where}: unknown field(s) ${i.keys.map((k) => `'${k}'`).join(', ')}` : `${where}: ${i.message}`;
    })
    .join('; ');
}

/** Parses with zod or throws a 400 naming the fields. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(zodMessage(parsed.error));
  return parsed.data;
}

// registry error codes that mean "no such thing" rather than "bad value"
const notFoundCodes = new Set(['not-found']);

/** Maps anything thrown by a handler to a status and body; only unknown errors are 500 (and logged). */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof ZodError) return invalid(zodMessage(error));
  if (error instanceof FilterSyntaxError) return invalid(error.message);
  const fastifyError = error as Partial<FastifyError>;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const code = status === 413 ? 'REQUEST_LIMIT_EXCEEDED' : status === 404 ? 'ENDPOINT_NOT_FOUND' : status === 415 ? 'BAD_REQUEST' : 'BAD_REQUEST';
    return new ApiError(status, code, (error as Error).message);
  }
  if (isLeakproofError(error) || (error instanceof Error && (error as { userFacing?: unknown }).userFacing === true)) {
    const e = error as Error & { code?: string; hint?: string };
    const message = e.message.replace(/^leakproof: /, '');
    if (/does not exist/.test(message) || notFoundCodes.has(e.code ?? '')) return notFound(message, e.hint);
    return invalid(message, e.hint);
  }
  return undefined;
}

export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const api = toApiError(error);
  if (api) {
    void reply.status(api.status).send({ error_code: api.errorCode, message: api.message, ...(api.hint ? { hint: api.hint } : {}) });
    return;
  }
  request.log.error({ err: error }, 'internal error');
  void reply.status(500).send({ error_code: 'INTERNAL_ERROR', message: 'internal server error (logged on the server)' });
}
