import { and, asc, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { RegistryDb } from './db.js';
import { invalidInput, translateDbError } from './errors.js';
import { auditInputSchema, type AuditInput } from './inputs.js';
import type { AuditDetail, AuditRecord, AuditSplitRecord } from './records.js';
import { auditFindings, audits, auditSplits, datasets } from './schema.js';

const auditColumns = {
  id: audits.id,
  datasetName: datasets.name,
  datasetRoot: datasets.root,
  fingerprint: audits.fingerprint,
  verdict: audits.verdict,
  policyHash: audits.policyHash,
  toolVersion: audits.toolVersion,
  createdAt: audits.createdAt,
};

async function withSplits(db: RegistryDb, found: Omit<AuditRecord, 'splits'>[]): Promise<AuditRecord[]> {
  if (found.length === 0) return [];
  const splitRows = await db
    .select()
    .from(auditSplits)
    .where(
      inArray(
        auditSplits.auditId,
        found.map((a) => a.id),
      ),
    )
    .orderBy(asc(auditSplits.name));
  const byAudit = new Map<number, AuditSplitRecord[]>();
  for (const s of splitRows) {
    const list = byAudit.get(s.auditId) ?? [];
    list.push({ name: s.name, images: s.images, patients: s.patients });
    byAudit.set(s.auditId, list);
  }
  return found.map((a) => ({ ...a, verdict: a.verdict as 'pass' | 'fail', splits: byAudit.get(a.id) ?? [] }));
}

/** Stores an audit, its splits and findings in one transaction (the database refuses later additions). */
export async function recordAudit(db: RegistryDb, input: AuditInput): Promise<AuditRecord> {
  const parsed = auditInputSchema.safeParse(input);
  if (!parsed.success) throw invalidInput('audit', parsed.error);
  const a = parsed.data;
  try {
    const id = await db.transaction(async (tx) => {
      const [dataset] = await tx
        .insert(datasets)
        .values({ name: a.dataset.name, root: a.dataset.root })
        .onConflictDoUpdate({ target: [datasets.name, datasets.root], set: { name: sql`excluded.name` } })
        .returning({ id: datasets.id });
      const [audit] = await tx
        .insert(audits)
        .values({
          datasetId: (dataset as { id: number }).id,
          fingerprint: a.fingerprint,
          verdict: a.verdict,
          policy: a.policy,
          policyHash: a.policyHash,
          report: a.report ?? null,
          toolVersion: a.toolVersion,
        })
        .returning({ id: audits.id });
      const auditId = (audit as { id: number }).id;
      await tx.insert(auditSplits).values(a.splits.map((s) => ({ auditId, ...s })));
      for (let i = 0; i < a.findings.length; i += 1000) {
        await tx.insert(auditFindings).values(
          a.findings.slice(i, i + 1000).map((f) => ({
            auditId,
            kind: f.kind,
            severity: f.severity,
            splitA: f.splitA,
            splitB: f.splitB,
            pathA: f.pathA ?? null,
            pathB: f.pathB ?? null,
            patient: f.patient ?? null,
            score: f.score ?? null,
            detail: f.detail ?? {},
          })),
        );
      }
      return auditId;
    });
    return (await getAudit(db, id)) as AuditRecord;
  } catch (error) {
    translateDbError(error);
  }
}

export async function getAudit(db: RegistryDb, id: number): Promise<AuditRecord | undefined> {
  const found = await db.select(auditColumns).from(audits).innerJoin(datasets, eq(datasets.id, audits.datasetId)).where(eq(audits.id, id));
  return (await withSplits(db, found))[0];
}

/** The audit with its policy, full report and every finding. */
export async function getAuditDetail(db: RegistryDb, id: number): Promise<AuditDetail | undefined> {
  const audit = await getAudit(db, id);
  if (!audit) return undefined;
  const [extra] = await db.select({ policy: audits.policy, report: audits.report }).from(audits).where(eq(audits.id, id));
  const findings = await db.select().from(auditFindings).where(eq(auditFindings.auditId, id)).orderBy(asc(auditFindings.id));
  return {
    ...audit,
    policy: (extra?.policy ?? {}) as Record<string, unknown>,
    report: extra?.report,
    findings: findings.map(({ auditId: _a, ...f }) => f),
  };
}

/** The newest passing audit of exactly this split fingerprint, if any: what a run may train on. */
export async function findPassingAudit(db: RegistryDb, fingerprint: string): Promise<AuditRecord | undefined> {
  const found = await db
    .select(auditColumns)
    .from(audits)
    .innerJoin(datasets, eq(datasets.id, audits.datasetId))
    .where(and(eq(audits.fingerprint, fingerprint), eq(audits.verdict, 'pass')))
    .orderBy(desc(audits.createdAt), desc(audits.id))
    .limit(1);
  return (await withSplits(db, found))[0];
}

/** The newest audit (any verdict) of a dataset, by dataset name or by full fingerprint. */
export async function latestAudit(db: RegistryDb, datasetNameOrFingerprint: string): Promise<AuditRecord | undefined> {
  const found = await db
    .select(auditColumns)
    .from(audits)
    .innerJoin(datasets, eq(datasets.id, audits.datasetId))
    .where(or(eq(datasets.name, datasetNameOrFingerprint), eq(audits.fingerprint, datasetNameOrFingerprint)))
    .orderBy(desc(audits.createdAt), desc(audits.id))
    .limit(1);
  return (await withSplits(db, found))[0];
}

export async function listAudits(db: RegistryDb, limit = 50): Promise<AuditRecord[]> {
  const found = await db
    .select(auditColumns)
    .from(audits)
    .innerJoin(datasets, eq(datasets.id, audits.datasetId))
    .orderBy(desc(audits.createdAt), desc(audits.id))
    .limit(limit);
  return withSplits(db, found);
}
