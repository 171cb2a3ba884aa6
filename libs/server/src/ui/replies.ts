import type { FastifyReply } from 'fastify';

// error codes as on every other route of the server (MLflow's): one client handles all of them
import type { z } from 'zod';

/** Path ids are positive integers; anything else (`../x`, `1.5`, `%2e%2e`) is no id at all. */
export function parseId(raw: string | undefined): number | undefined {
  if (!raw || !/^[1-9][0-9]{0,9}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n <= 2_147_483_647 ? n : undefined;
}

export function notFound(reply: FastifyReply, message: string): undefined {
  void reply.code(404).send({ error_code: 'RESOURCE_DOES_NOT_EXIST', message });
  return undefined;
}

export function badRequest(reply: FastifyReply, error: z.ZodError): undefined {
  const issue = error.issues[0];
  void reply.code(400).send({ error_code: 'INVALID_PARAMETER_VALUE', message: `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}` });
  return undefined;
}
