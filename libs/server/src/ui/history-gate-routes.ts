import { existsSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { UI_API_PREFIX, type UiGate, type UiHistory } from '@leakproof/core';
import { loadGateConfig, loadLockFile, PolicyError, splitFingerprint } from '@leakproof/audit';
import { buildManifest, loadDatasetConfig } from '@leakproof/ingest';
import type { Registry } from '@leakproof/registry';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { thresholdRuleLabel } from '@leakproof/core';
import { auditSummary } from './serialise.js';
import { ApiError } from '../errors.js';

async function fingerprintsWithEvaluations(registry: Registry): Promise<UiHistory['fingerprints']> {
  const result = (await registry.db.execute(
    sql`select a.fingerprint, d.name as dataset_name, count(v.id)::int as evaluations, max(v.created_at) as last
        from evaluations v join runs r on r.id = v.run_id join audits a on a.id = r.audit_id join datasets d on d.id = a.dataset_id
        where not r.archived group by a.fingerprint, d.name order by last desc limit 200`,
  )) as unknown as { rows: { fingerprint: string; dataset_name: string; evaluations: number }[] };
  return result.rows.map((r) => ({ fingerprint: r.fingerprint, datasetName: r.dataset_name, evaluations: Number(r.evaluations) }));
}

export const GATE_CHECKS =
  'Same rule as `leakproof gate`: for each dataset in leakproof.config.json the files are fingerprinted as they are now ' +
  '(SHA-256 cache, no decoding); the gate passes when that fingerprint equals the one locked in leakproof.lock.json and the ' +
  "registry's audit of it passed. It does not re-audit: a fingerprint never audited here is reported, and `leakproof gate` decides.";

/** What `leakproof gate` would answer now, from the lock file, the files' fingerprints and the recorded audits. */
export async function gateStatus(registry: Registry, cwd: string): Promise<UiGate> {
  const configPath = resolve(cwd, 'leakproof.config.json');
  const config = await loadGateConfig(configPath);
  const base = dirname(configPath);
  const lockPath = resolve(base, config.lockFile);
  const lock = await loadLockFile(lockPath);
  const datasets: UiGate['datasets'] = [];
  for (const ds of config.datasets) {
    const reasons: string[] = [];
    const notes: string[] = [];
    const locked = lock.datasets[ds.name]?.fingerprint ?? null;
    const root = resolve(base, ds.path);
    let current: string | null = null;
    if (!existsSync(root)) reasons.push(`dataset folder ${ds.path} does not exist`);
    else {
      const dsConfig = ds.config ? await loadDatasetConfig(resolve(base, ds.config)) : {};
      const manifest = await buildManifest(root, dsConfig, { cacheDir: join(cwd, '.leakproof', 'cache') });
      current = splitFingerprint(manifest.images);
    }
    const latest = (await registry.latestAudit(ds.name)) ?? null;
    const ofCurrent = current ? ((await registry.latestAudit(current)) ?? null) : null;
    if (current && !locked) reasons.push(`no passing audit of ${ds.name} is locked in ${relative(cwd, lockPath) || lockPath}; run \`leakproof gate --update\` and commit the lock file`);
    else if (current && locked !== current) reasons.push(`${ds.name} changed since its last passing audit (fingerprint ${locked?.slice(0, 12)} → ${current.slice(0, 12)})`);
    if (current && !ofCurrent) notes.push(`the data as it is now (fingerprint ${current.slice(0, 12)}) has no audit in this registry; \`leakproof gate\` would audit it`);
    else if (ofCurrent?.verdict === 'fail') reasons.push(`the audit of the data as it is now (audit ${ofCurrent.id}) failed`);
    datasets.push({
      name: ds.name,
      path: ds.path,
      lockedFingerprint: locked,
      latestAudit: latest ? auditSummary(latest) : null,
      currentAudit: ofCurrent ? auditSummary(ofCurrent) : null,
      passed: reasons.length === 0,
      reasons,
      notes,
    });
  }
  return { configFile: relative(cwd, configPath), lockFile: relative(cwd, lockPath), checks: GATE_CHECKS, passed: datasets.every((d) => d.passed), datasets };
}

export function registerHistoryGateRoutes(app: FastifyInstance, registry: Registry, cwd: string): void {
  app.get<{ Querystring: { fingerprint?: string } }>(`${UI_API_PREFIX}/history`, async (request): Promise<UiHistory> => {
    const fingerprints = await fingerprintsWithEvaluations(registry);
    const asked = (request.query.fingerprint ?? '').toLowerCase().replace(/[^0-9a-f]/g, '');
    const fingerprint = (asked ? fingerprints.find((f) => f.fingerprint.startsWith(asked))?.fingerprint : fingerprints[0]?.fingerprint) ?? asked;
    const rows = fingerprint ? await registry.evaluationHistory({ fingerprintPrefix: fingerprint }) : [];
    return {
      fingerprint,
      fingerprints,
      rows: rows.map((r) => ({
        evaluationId: r.evaluationId,
        createdAt: r.createdAt.toISOString(),
        runId: r.runId,
        runName: r.runName,
        experiment: r.experiment,
        model: r.model,
        split: r.split,
        threshold: r.threshold,
        thresholdRule: thresholdRuleLabel(r.thresholdRule),
        metrics: r.metrics,
      })),
    };
  });

  app.get(`${UI_API_PREFIX}/gate`, async (_request, reply) => {
    if (!existsSync(resolve(cwd, 'leakproof.config.json'))) return reply.code(404).send({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `no leakproof.config.json in ${cwd}` });
    try {
      return await gateStatus(registry, cwd);
    } catch (error) {
      // a broken config or lock file is the server's state, not the request's fault (as for the policy file)
      if (!(error instanceof PolicyError)) throw error;
      throw new ApiError(409, 'INVALID_STATE', error.message, error.hint ?? 'fix the file by hand (or restore it from git), then reload');
    }
  });
}
