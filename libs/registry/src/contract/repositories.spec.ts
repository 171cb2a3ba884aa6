import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../registry.js';
import { auditFixture, fp, openTestStore, stores, type TestStore } from './stores.js';

describe.each(stores)('repositories on $kind', ({ kind }) => {
  let store: TestStore;
  let registry: Registry;

  beforeAll(async () => {
    store = await openTestStore(kind);
    registry = store.registry;
  });
  afterAll(() => store?.dispose());

  it('records an audit with its splits and findings, and finds it by fingerprint or dataset', async () => {
    const audit = await registry.recordAudit(
      auditFixture({
        fingerprint: fp('d4'),
        findings: [{ kind: 'patient', severity: 'fail', splitA: 'train', splitB: 'test', patient: 'p1', detail: { images: 2 } }],
        verdict: 'fail',
      }),
    );
    expect(audit).toMatchObject({ verdict: 'fail', fingerprint: fp('d4'), datasetName: 'chest', splits: [{ name: 'test' }, { name: 'train' }, { name: 'val' }] });
    expect(await registry.findPassingAudit(fp('d4'))).toBeUndefined();
    const passing = await registry.recordAudit(auditFixture({ fingerprint: fp('d4') }));
    expect((await registry.findPassingAudit(fp('d4')))?.id).toBe(passing.id);
    expect((await registry.latestAudit('chest'))?.id).toBe(passing.id);
    expect((await registry.latestAudit(fp('d4')))?.id).toBe(passing.id);
    expect(await registry.latestAudit('nothing')).toBeUndefined();
    const detail = await registry.getAuditDetail(audit.id);
    expect(detail?.findings).toMatchObject([{ kind: 'patient', patient: 'p1', detail: { images: 2 }, pathA: null }]);
    expect(detail?.policy).toEqual({ near: { maxBits: 10 } });
  });

  it("stores the fail-closed 'unverified' finding (a pair the audit could not verify)", async () => {
    const audit = await registry.recordAudit(
      auditFixture({
        fingerprint: fp('fa'),
        findings: [{ kind: 'unverified', severity: 'fail', splitA: 'train', splitB: 'test', pathA: 'train/a.jpeg', pathB: 'test/b.jpeg', detail: { reason: 'cannot decode' } }],
        verdict: 'fail',
      }),
    );
    expect((await registry.getAuditDetail(audit.id))?.findings).toMatchObject([{ kind: 'unverified', detail: { reason: 'cannot decode' } }]);
  });

  it('validates inputs with messages naming the field', async () => {
    await expect(registry.recordAudit(auditFixture({ fingerprint: 'xyz' }))).rejects.toThrow(/fingerprint: must be 64/);
    await expect(registry.createRun({ experiment: 'e', name: 'r', auditId: 99_999 })).rejects.toThrow(/audit 99999 does not exist/);
    await expect(registry.logMetric(99_999, 'loss', 0, 1)).rejects.toThrow(/run 99999 does not exist/);
    await expect(registry.logMetrics(1, [{ key: 'loss', step: 0, value: '0.5' as unknown as number }])).rejects.toThrow(/value/);
  });

  it('runs a run through its life: params, metrics, evaluations, artifacts, tags', async () => {
    const audit = await registry.recordAudit(auditFixture({ fingerprint: fp('e5') }));
    const config = '{\n  "epochs": 3 // verbatim, comments and all\n}';
    const run = await registry.createRun({
      experiment: 'life',
      name: 'first',
      auditId: audit.id,
      params: { lr: 0.01, model: 'cnn' },
      seed: 42,
      gitCommit: 'abc123',
      gitDirty: true,
      backend: 'wasm',
      model: 'cnn',
      config,
      threads: 2,
    });
    expect(run).toMatchObject({ status: 'running', experiment: 'life', seed: 42, config, pid: process.pid, gitDirty: true });
    await registry.logMetric(run.id, 'loss', 0, 0.9);
    await registry.logMetrics(run.id, [
      { key: 'loss', step: 2, value: 0.3 },
      { key: 'loss', step: 1, value: 0.5 },
      { key: 'recall', step: 0, value: 0.7 },
    ]);
    await registry.logMetric(run.id, 'loss', 1, 0.4); // a late, lower step never becomes "last"
    await registry.heartbeat(run.id);
    await registry.setTag(run.id, 'note', 'first try');
    await registry.setTag(run.id, 'note', 'second thought');
    await registry.addArtifact({ runId: run.id, path: 'plots/roc.svg', sha256: fp('f6'), size: 1234, kind: 'plot' });
    const finished = await registry.finishRun(run.id, 'finished');
    expect(finished.status).toBe('finished');
    expect(finished.finishedAt).toBeInstanceOf(Date);
    await registry.recordEvaluation({
      runId: run.id,
      split: 'test',
      threshold: 0.42,
      thresholdRule: 'max-f1 on val',
      confusion: { tp: 10, fp: 2, tn: 17, fn: 1 },
      metrics: { precision: { value: 10 / 12, lo: 0.7, hi: 0.9 }, recall: { value: 10 / 11, lo: 0.8, hi: 0.97 } },
      patientLevel: { recall: 1 },
    });

    const detail = await registry.getRun(run.id);
    expect(detail?.metrics).toEqual([
      { key: 'loss', last: 0.3, lastStep: 2, min: 0.3, max: 0.9, avg: (0.9 + 0.3 + 0.5 + 0.4) / 4, count: 4 },
      { key: 'recall', last: 0.7, lastStep: 0, min: 0.7, max: 0.7, avg: 0.7, count: 1 },
    ]);
    expect(detail?.tags).toEqual({ note: 'second thought' });
    expect(detail?.artifacts).toMatchObject([{ path: 'plots/roc.svg', size: 1234, kind: 'plot' }]);
    expect(detail?.evaluations).toMatchObject([{ split: 'test', threshold: 0.42, confusion: { tp: 10, fp: 2, tn: 17, fn: 1 }, metrics: { recall: { value: 10 / 11 } }, finished: true }]);
    expect(detail?.audit).toMatchObject({ id: audit.id, fingerprint: fp('e5') });
    expect((await registry.metricHistory(run.id, 'loss')).map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [1, 0.5],
      [1, 0.4],
      [2, 0.3],
    ]);
    expect(await registry.getRun(123_456)).toBeUndefined();
  });

  it('lists runs newest first and reports evaluation history by fingerprint prefix', async () => {
    const audit = await registry.recordAudit(auditFixture({ fingerprint: fp('7a') }));
    for (const name of ['h1', 'h2']) {
      const run = await registry.createRun({ experiment: 'hist', name, auditId: audit.id });
      await registry.finishRun(run.id, 'finished');
      // 30 test images; recall 9/10 and 19/20
      const confusion = name === 'h1' ? { tp: 9, fp: 2, tn: 18, fn: 1 } : { tp: 19, fp: 0, tn: 10, fn: 1 };
      const recall = confusion.tp / (confusion.tp + confusion.fn);
      await registry.recordEvaluation({ runId: run.id, split: 'test', threshold: 0.5, thresholdRule: 'fixed', confusion, metrics: { precision: { value: confusion.tp / (confusion.tp + confusion.fp) }, recall: { value: recall } } });
    }
    const listed = await registry.listRuns({ limit: 2 });
    expect(listed.map((r) => r.name)).toEqual(['h2', 'h1']);
    expect(listed[0]).toMatchObject({ fingerprint: fp('7a'), datasetName: 'chest' });
    const history = await registry.evaluationHistory({ fingerprintPrefix: '7a7a7a', metrics: ['recall'] });
    expect(history.map((h) => [h.runName, h.metrics])).toEqual([
      ['h1', { recall: { value: 0.9 } }],
      ['h2', { recall: { value: 0.95 } }],
    ]);
    expect(await registry.evaluationHistory({ fingerprintPrefix: 'ffff' })).toEqual([]);
  });
});
