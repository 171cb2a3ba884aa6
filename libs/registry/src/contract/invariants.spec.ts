import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlState } from '../errors.js';
import type { Registry } from '../registry.js';
import { auditFixture, fp, openTestStore, stores, type TestStore } from './stores.js';

/** Runs raw SQL that must fail, and returns the database's SQLSTATE and message. */
async function attack(registry: Registry, text: string): Promise<{ code: string | undefined; message: string }> {
  try {
    await registry.db.execute(sql.raw(text));
  } catch (error) {
    let message = '';
    for (let e: unknown = error; e instanceof Error; e = e.cause) message = e.message;
    return { code: sqlState(error), message };
  }
  throw new Error(`the database accepted: ${text}`);
}

describe.each(stores)('database invariants on $kind', ({ kind }) => {
  let store: TestStore;
  let registry: Registry;
  let passing: number;
  let failing: number;
  let runId: number;
  let evaluationId: number;

  beforeAll(async () => {
    store = await openTestStore(kind);
    registry = store.registry;
    passing = (await registry.recordAudit(auditFixture({ findings: [{ kind: 'near', severity: 'warn', splitA: 'train', splitB: 'test', score: 3, detail: { bits: 3 } }] }))).id;
    failing = (await registry.recordAudit(auditFixture({ fingerprint: fp('b2'), verdict: 'fail' }))).id;
    runId = (await registry.createRun({ experiment: 'inv', name: 'r', auditId: passing, params: { lr: 0.1, optimizer: { name: 'adam' } } })).id;
    await registry.logMetric(runId, 'loss', 1, 0.5);
    await registry.setTag(runId, 'note', 'x');
    await registry.addArtifact({ runId, path: 'model.json', sha256: fp('c3'), size: 10, kind: 'model' });
    await registry.finishRun(runId, 'finished');
    // the fixture audit's test split has 30 images
    evaluationId = (
      await registry.recordEvaluation({ runId, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion: { tp: 1, fp: 1, tn: 27, fn: 1 }, metrics: { recall: { value: 0.5, lo: 0.1, hi: 0.9 } } })
    ).id;
  });
  afterAll(() => store?.dispose());

  it('refuses a run on an audit that did not pass, and moving a run to such an audit', async () => {
    const expId = (await registry.getOrCreateExperiment('inv')).id;
    expect(await attack(registry, `insert into runs (experiment_id, name, audit_id) values (${expId}, 'sneaky', ${failing})`)).toMatchObject({ code: 'LP001', message: expect.stringContaining('verdict fail') });
    expect((await attack(registry, `update runs set audit_id = ${failing} where id = ${runId}`)).code).toBe('LP007');
    await expect(registry.createRun({ experiment: 'inv', name: 'r2', auditId: failing })).rejects.toMatchObject({ code: 'LP001', userFacing: true });
  });

  it('keeps audits, their splits and findings immutable', async () => {
    expect((await attack(registry, `update audits set verdict = 'pass' where id = ${failing}`)).code).toBe('LP002');
    expect((await attack(registry, `update audits set report = '{}' where id = ${passing}`)).code).toBe('LP002');
    expect((await attack(registry, `update audit_splits set images = 0 where audit_id = ${passing}`)).code).toBe('LP002');
    expect((await attack(registry, `update audit_findings set severity = 'info' where audit_id = ${passing}`)).code).toBe('LP002');
    expect((await attack(registry, `delete from audits where id = ${failing}`)).code).toBe('LP005');
  });

  it('refuses adding a split or finding to an audit after it was recorded', async () => {
    expect((await attack(registry, `insert into audit_splits (audit_id, name, images, patients) values (${passing}, 'holdout', 1, 1)`)).code).toBe('LP008');
    expect((await attack(registry, `insert into audit_findings (audit_id, kind, severity, split_a, split_b) values (${passing}, 'exact', 'info', 'a', 'b')`)).code).toBe('LP008');
  });

  it("refuses an evaluation on a split outside the run's audit", async () => {
    expect(
      await attack(registry, `insert into evaluations (run_id, split, threshold, threshold_rule, tp, fp, tn, fn, metrics, finished) values (${runId}, 'holdout', 0.5, 'fixed', 0, 0, 0, 0, '{}', true)`),
    ).toMatchObject({ code: 'LP004', message: expect.stringContaining('holdout') });
    await expect(registry.recordEvaluation({ runId, split: 'holdout', threshold: 0.5, thresholdRule: 'fixed', confusion: { tp: 0, fp: 0, tn: 0, fn: 0 }, metrics: {} })).rejects.toMatchObject({
      code: 'LP004',
    });
  });

  it('keeps finished evaluations immutable but lets an unfinished one be completed once', async () => {
    expect((await attack(registry, `update evaluations set threshold = 0.1 where id = ${evaluationId}`)).code).toBe('LP003');
    const draft = await registry.recordEvaluation({ runId, split: 'val', threshold: 0.4, thresholdRule: 'max-f1', confusion: { tp: 0, fp: 0, tn: 17, fn: 0 }, metrics: {}, finished: false });
    await registry.db.execute(sql.raw(`update evaluations set tp = 3, finished = true where id = ${draft.id}`));
    expect((await attack(registry, `update evaluations set tp = 4 where id = ${draft.id}`)).code).toBe('LP003');
    expect((await attack(registry, `update evaluations set split = 'holdout', finished = false where id = ${draft.id}`)).code).toBe('LP003');
  });

  it('refuses metrics of a run that does not exist, and hand-written summaries', async () => {
    expect((await attack(registry, `insert into metrics (run_id, key, step, value) values (${runId}, 'loss', 9, 1), (987654, 'loss', 1, 1)`)).code).toBe('23503');
    expect((await attack(registry, `insert into metric_summaries (run_id, key, count, sum, min_value, max_value, last_step, last_value) values (${runId}, 'fake', 1, 1, 1, 1, 1, 1)`)).code).toBe('LP009');
    expect((await attack(registry, `update metric_summaries set last_value = 1 where run_id = ${runId}`)).code).toBe('LP009');
  });

  it('keeps metric history append-only', async () => {
    expect((await attack(registry, `update metrics set value = 0 where run_id = ${runId}`)).code).toBe('LP006');
    expect((await attack(registry, `delete from metrics where run_id = ${runId}`)).code).toBe('LP005');
  });

  it('keeps run params immutable and their flattened copy derived', async () => {
    expect((await attack(registry, `update runs set params = '{"lr": 1}' where id = ${runId}`)).code).toBe('LP010');
    expect((await attack(registry, `insert into run_params (run_id, key, num_value) values (${runId}, 'lr', 1)`)).code).toBe('LP009');
  });

  it.each(['datasets', 'audits', 'audit_splits', 'audit_findings', 'experiments', 'runs', 'run_params', 'metrics', 'metric_summaries', 'evaluations', 'artifacts'])(
    'never hard-deletes or truncates %s',
    async (table) => {
      expect(await attack(registry, `delete from ${table}`)).toMatchObject({ code: 'LP005', message: expect.stringContaining('archive') });
      expect((await attack(registry, `truncate ${table} cascade`)).code).toBe('LP005');
    },
  );

  it('deletes tags only when they do not record lineage (leakproof.*), never truncates them', async () => {
    await registry.setTag(runId, 'leakproof.audit', String(passing));
    expect(await attack(registry, `delete from tags where run_id = ${runId}`)).toMatchObject({ code: 'LP005', message: expect.stringContaining('lineage') });
    expect((await attack(registry, `truncate tags cascade`)).code).toBe('LP005');
    await registry.deleteTag(runId, 'note');
    expect((await registry.getRun(runId))?.tags).toEqual({ 'leakproof.audit': String(passing) });
    await registry.setTag(runId, 'note', 'x');
  });

  it('lets params grow but never change (write-once keys, as in MLflow)', async () => {
    // a running run: a finished one is frozen (LP012)
    const running = (await registry.createRun({ experiment: 'inv', name: 'params', auditId: passing, params: { lr: 0.1, optimizer: { name: 'adam' } } })).id;
    await registry.logParams(running, { batch: '32', lr: 0.1 });
    await expect(registry.logParams(running, { batch: '64' })).rejects.toMatchObject({ code: 'LP010' });
    await expect(registry.logParams(runId, { batch: '64' })).rejects.toMatchObject({ code: 'LP012' });
    const rows = (await registry.db.execute(`select key, num_value, text_value from run_params where run_id = ${running} order by key`)) as unknown as { rows: unknown[] };
    expect(rows.rows).toEqual([
      { key: 'batch', num_value: null, text_value: '32' },
      { key: 'lr', num_value: 0.1, text_value: '0.1' },
      { key: 'optimizer.name', num_value: null, text_value: 'adam' },
    ]);
  });

  it('archives a run instead of deleting it', async () => {
    await registry.archiveRun(runId);
    expect((await registry.listRuns()).map((r) => r.id)).not.toContain(runId);
    expect((await registry.listRuns({ includeArchived: true })).map((r) => r.id)).toContain(runId);
    expect((await registry.getRun(runId))?.archived).toBe(true);
    await registry.archiveRun(runId, false);
  });

  it('rejects malformed rows through check constraints', async () => {
    const datasetId = 1;
    expect((await attack(registry, `insert into audits (dataset_id, fingerprint, verdict, policy, policy_hash, report, tool_version) values (${datasetId}, 'abc', 'pass', '{}', 'h', '{}', 'v')`)).code).toBe('23514');
    const running = await registry.createRun({ experiment: 'inv', name: 'still running', auditId: passing });
    expect((await attack(registry, `update runs set status = 'exploded' where id = ${running.id}`)).code).toBe('23514');
  });

  it('freezes a finished run except for archiving, and never changes a creation time', async () => {
    for (const change of [`status = 'running'`, `status = 'failed'`, `finished_at = now() - interval '1 day'`, `name = 'renamed'`, `heartbeat_at = now()`, `status = 'running', archived = true`]) {
      expect(await attack(registry, `update runs set ${change} where id = ${runId}`), change).toMatchObject({ code: 'LP012', message: expect.stringContaining('frozen') });
    }
    expect((await attack(registry, `update runs set created_at = created_at - interval '1 year' where id = ${runId}`)).code).toBe('LP011');
    await registry.db.execute(sql.raw(`update runs set archived = true where id = ${runId}`));
    await registry.db.execute(sql.raw(`update runs set archived = false where id = ${runId}`));
    await expect(registry.finishRun(runId, 'failed')).rejects.toMatchObject({ code: 'LP012', userFacing: true });
    expect((await attack(registry, `update evaluations set created_at = now() - interval '1 year' where id = ${evaluationId}`)).code).toBe('LP003');
  });

  it('lets an interrupted run be resumed or failed, never finished without running again', async () => {
    const run = await registry.createRun({ experiment: 'inv', name: 'interrupted', auditId: passing });
    await registry.finishRun(run.id, 'interrupted');
    expect((await attack(registry, `update runs set status = 'finished' where id = ${run.id}`)).code).toBe('LP012');
    expect((await attack(registry, `update runs set created_at = now() + interval '1 day' where id = ${run.id}`)).code).toBe('LP011');
    expect((await registry.resumeRun(run.id)).status).toBe('running');
    await expect(registry.resumeRun(runId)).rejects.toMatchObject({ message: expect.stringContaining('only an interrupted run can be resumed') });
    expect((await registry.finishRun(run.id, 'finished')).status).toBe('finished');
  });

  it('refuses a finished evaluation that does not add up: unfinished run, wrong image count, made-up metrics', async () => {
    const insert = (run: number, counts: [number, number, number, number], metrics: string) =>
      `insert into evaluations (run_id, split, threshold, threshold_rule, tp, fp, tn, fn, metrics, finished) values (${run}, 'test', 0.5, 'fixed', ${counts.join(', ')}, '${metrics}', true)`;
    const running = await registry.createRun({ experiment: 'inv', name: 'unfinished', auditId: passing });
    expect(await attack(registry, insert(running.id, [10, 0, 20, 0], '{}'))).toMatchObject({ code: 'LP013', message: expect.stringContaining('only a finished run') });
    expect(await attack(registry, insert(runId, [10, 0, 10, 0], '{}'))).toMatchObject({ code: 'LP013', message: expect.stringContaining('30 images') });
    expect(await attack(registry, insert(runId, [10, 0, 20, 0], '{"recall": {"value": 0.99}}'))).toMatchObject({ code: 'LP013', message: expect.stringContaining('recall') });
    expect((await attack(registry, insert(runId, [9, 1, 20, 0], '{"precision": {"value": 0.9, "lo": 0.95, "hi": 1}}'))).code).toBe('LP013');
    expect((await attack(registry, insert(runId, [0, 0, 30, 0], '{"recall": {"value": 1}}'))).code).toBe('LP013');
    // a draft may be partial, but completing it runs the same checks
    const draft = await registry.recordEvaluation({ runId: running.id, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion: { tp: 0, fp: 0, tn: 0, fn: 0 }, metrics: {}, finished: false });
    expect((await attack(registry, `update evaluations set tp = 10, tn = 20, finished = true where id = ${draft.id}`)).code).toBe('LP013');
    await expect(
      registry.recordEvaluation({ runId, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion: { tp: 3, fp: 0, tn: 27, fn: 0 }, metrics: { precision: { value: 0.5 } } }),
    ).rejects.toMatchObject({ code: 'LP013', userFacing: true });
    const honest = await registry.recordEvaluation({ runId, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion: { tp: 9, fp: 1, tn: 19, fn: 1 }, metrics: { precision: { value: 0.9, lo: 0.8, hi: 1 }, recall: { value: 0.9 }, accuracy: { value: 28 / 30 }, f1: { value: 0.9 }, auc: { value: 0.97 } } });
    expect(honest.finished).toBe(true);
  });
});
