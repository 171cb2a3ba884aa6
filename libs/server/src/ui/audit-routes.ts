import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uiAllowRequestSchema, UI_API_PREFIX, type UiAllowResponse, type UiAuditDetail, type UiFinding } from '@leakproof/core';
import { defaultPolicy, loadPolicy, parsePolicy, PolicyError, type Policy } from '@leakproof/audit';
import { ApiError } from '../errors.js';
import type { AuditFindingRecord, Registry } from '@leakproof/registry';
import type { FastifyInstance } from 'fastify';
import { sendImage } from './evaluation-routes.js';
import { badRequest, notFound, parseId } from './replies.js';
import { auditSummary } from './serialise.js';

interface StoredDetail {
  text?: string;
  distance?: number;
  allowedBecause?: string;
}

const imageUrl = (auditId: number, f: AuditFindingRecord, side: 'a' | 'b') => ((side === 'a' ? f.pathA : f.pathB) ? `${UI_API_PREFIX}/audits/${auditId}/findings/${f.id}/${side}` : null);

function finding(auditId: number, f: AuditFindingRecord): UiFinding {
  const d = (f.detail && typeof f.detail === 'object' ? f.detail : { text: String(f.detail ?? '') }) as StoredDetail;
  return {
    id: f.id,
    kind: f.kind,
    severity: f.severity,
    splitA: f.splitA,
    splitB: f.splitB,
    pathA: f.pathA,
    pathB: f.pathB,
    patient: f.patient,
    score: f.score,
    distance: typeof d.distance === 'number' ? d.distance : null,
    detail: d.text ?? '',
    allowedBecause: d.allowedBecause ?? null,
    imageA: imageUrl(auditId, f, 'a'),
    imageB: imageUrl(auditId, f, 'b'),
  };
}

/** The allowlist entry a finding needs: its pair of paths, or its patient for a patient overlap. */
function allowEntry(f: AuditFindingRecord, reason: string): { pair?: Policy['allowlist']['pairs'][number]; patient?: Policy['allowlist']['patients'][number] } {
  if (f.kind === 'patient' && f.patient) return { patient: { patient: f.patient, reason } };
  if (f.pathA && f.pathB) return { pair: { a: f.pathA, b: f.pathB, reason } };
  return {};
}

/** The policy the allowlist entry is added to; a broken file is the server's state, not the request's fault (409). */
async function readPolicy(file: string): Promise<Policy> {
  if (!existsSync(file)) return structuredClone(defaultPolicy);
  try {
    return await loadPolicy(file);
  } catch (error) {
    const message = error instanceof PolicyError ? error.message : String(error);
    throw new ApiError(409, 'INVALID_STATE', `${message}; nothing was written`, 'fix leakproof.policy.json by hand (or restore it from git), then allow the finding again');
  }
}

export function registerAuditRoutes(app: FastifyInstance, registry: Registry, cwd: string): void {
  app.get(`${UI_API_PREFIX}/audits`, async () => (await registry.listAudits(500)).map(auditSummary));

  app.get<{ Params: { id: string } }>(`${UI_API_PREFIX}/audits/:id`, async (request, reply): Promise<UiAuditDetail | undefined> => {
    const id = parseId(request.params.id);
    const audit = id === undefined ? undefined : await registry.getAuditDetail(id);
    if (!audit) return notFound(reply, `no audit ${request.params.id}`);
    const report = (audit.report ?? {}) as { splits?: { name: string; classes?: Record<string, number> }[] };
    return {
      ...auditSummary(audit),
      findings: audit.findings.map((f) => finding(audit.id, f)),
      policy: audit.policy,
      classes: Object.fromEntries((report.splits ?? []).map((s) => [s.name, s.classes ?? {}])),
    };
  });

  // one side of a flagged pair, by finding id: the path is the audit's own record, inside its dataset root
  app.get<{ Params: { id: string; finding: string; side: string } }>(`${UI_API_PREFIX}/audits/:id/findings/:finding/:side`, async (request, reply) => {
    const id = parseId(request.params.id);
    const findingId = parseId(request.params.finding);
    const side = request.params.side;
    const audit = id === undefined || findingId === undefined || (side !== 'a' && side !== 'b') ? undefined : await registry.getAuditDetail(id);
    const f = audit?.findings.find((x) => x.id === findingId);
    const path = side === 'a' ? f?.pathA : f?.pathB;
    if (!audit || !path) return notFound(reply, 'no such image');
    return sendImage(reply, audit.datasetRoot, path);
  });

  // "allow with a reason": answers the exact change; writes leakproof.policy.json only when confirm is true
  app.post<{ Params: { id: string } }>(`${UI_API_PREFIX}/audits/:id/allow`, async (request, reply): Promise<UiAllowResponse | undefined> => {
    const body = uiAllowRequestSchema.safeParse(request.body);
    if (!body.success) return badRequest(reply, body.error);
    const id = parseId(request.params.id);
    const audit = id === undefined ? undefined : await registry.getAuditDetail(id);
    const f = audit?.findings.find((x) => x.id === body.data.findingId);
    if (!audit || !f) return notFound(reply, `no finding ${body.data.findingId} in audit ${request.params.id}`);
    const entry = allowEntry(f, body.data.reason);
    if (!entry.pair && !entry.patient) return reply.code(400).send({ error_code: 'INVALID_PARAMETER_VALUE', message: `a ${f.kind} finding without two paths or a patient cannot be allowlisted` });
    const file = join(cwd, 'leakproof.policy.json');
    const policy = await readPolicy(file);
    if (entry.pair) {
      const { a, b } = entry.pair;
      policy.allowlist.pairs = policy.allowlist.pairs.filter((p) => !((p.a === a && p.b === b) || (p.a === b && p.b === a)));
      policy.allowlist.pairs.push(entry.pair);
    }
    if (entry.patient) {
      const patient = entry.patient.patient;
      policy.allowlist.patients = policy.allowlist.patients.filter((p) => p.patient !== patient);
      policy.allowlist.patients.push(entry.patient);
    }
    const policyText = JSON.stringify(parsePolicy(policy, 'the changed policy'), null, 2) + '\n';
    if (body.data.confirm) await writeFile(file, policyText);
    return { policyFile: 'leakproof.policy.json', entry: (entry.pair ?? entry.patient) as Record<string, string>, policyText, written: body.data.confirm };
  });
}
