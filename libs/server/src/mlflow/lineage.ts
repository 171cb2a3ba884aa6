import type { AuditRecord, Registry } from '@leakproof/registry';
import { invalid } from '../errors.js';
import { parseRunId } from './ids.js';

export const AUDIT_TAG = 'leakproof.audit';
export const PARENT_TAG = 'mlflow.parentRunId';

const howToBind =
  'run your command as `leakproof run -- <command>` (it creates the run bound to the audit and sets MLFLOW_RUN_ID), ' +
  `or create the run with the tag ${AUDIT_TAG} = <passing audit id or split fingerprint> (see \`leakproof audit\`), ` +
  `or with ${PARENT_TAG} = <a run that is bound>`;

async function auditByReference(registry: Registry, ref: string): Promise<AuditRecord> {
  let audit: AuditRecord | undefined;
  if (/^[1-9][0-9]{0,9}$/.test(ref)) {
    audit = await registry.getAudit(Number(ref));
    if (!audit) throw invalid(`${AUDIT_TAG}: audit ${ref} does not exist`, howToBind);
  } else if (/^[0-9a-f]{6,64}$/i.test(ref)) {
    const prefix = ref.toLowerCase();
    const matches = (await registry.listAudits(10_000)).filter((a) => a.fingerprint.startsWith(prefix) && a.verdict === 'pass');
    const fingerprints = new Set(matches.map((a) => a.fingerprint));
    if (fingerprints.size > 1) throw invalid(`${AUDIT_TAG}: fingerprint prefix '${ref}' matches ${fingerprints.size} audited splits; give more characters`);
    audit = matches[0];
    if (!audit) throw invalid(`${AUDIT_TAG}: no passing audit of a split with fingerprint '${ref}'`, howToBind);
  } else {
    throw invalid(`${AUDIT_TAG}: '${ref}' is neither an audit id nor a split fingerprint (hex)`, howToBind);
  }
  if (audit.verdict !== 'pass') throw invalid(`${AUDIT_TAG}: audit ${audit.id} has verdict ${audit.verdict}; runs may only use an audit whose verdict is pass`, 'fix the leakage and re-run `leakproof audit`');
  return audit;
}

/**
 * The audit a new MLflow run trains on: named by its `leakproof.audit` tag, or inherited from its parent run.
 * A run that names neither is refused - lineage is not optional. (The database refuses a failing audit again.)
 */
export async function resolveRunAudit(registry: Registry, tags: Record<string, string>): Promise<AuditRecord> {
  const ref = tags[AUDIT_TAG]?.trim();
  if (ref) return auditByReference(registry, ref);
  const parent = tags[PARENT_TAG];
  if (parent) {
    let parentId: number;
    try {
      parentId = parseRunId(parent);
    } catch {
      throw invalid(`${PARENT_TAG}: '${parent}' is not a run of this server`, howToBind);
    }
    const run = await registry.getRunRecord(parentId);
    if (!run) throw invalid(`${PARENT_TAG}: run ${parent} does not exist`, howToBind);
    return (await registry.getAudit(run.auditId)) as AuditRecord;
  }
  throw invalid('this run names no audit: every run must train on a split with a passing leakage audit', howToBind);
}
