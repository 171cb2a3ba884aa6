import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../registry.js';
import { auditFixture, openTestStore, stores, type TestStore } from './stores.js';

// MLflow accepts NaN and ±Infinity metric values (migration 0009): history keeps them, summaries and filters skip NaN.
describe.each(stores)('non-finite metric values on $kind', ({ kind }) => {
  let store: TestStore;
  let registry: Registry;
  let runId: number;

  beforeAll(async () => {
    store = await openTestStore(kind);
    registry = store.registry;
    const auditId = (await registry.recordAudit(auditFixture())).id;
    runId = (await registry.createRun({ experiment: 'nan', name: 'r', auditId })).id;
    await registry.logMetrics(runId, [
      { key: 'loss', step: 0, value: 0.5 },
      { key: 'loss', step: 1, value: Number.NaN },
      { key: 'loss', step: 2, value: 0.25 },
      { key: 'loss', step: 3, value: Number.NaN },
      { key: 'grad', step: 0, value: Number.POSITIVE_INFINITY },
      { key: 'grad', step: 1, value: Number.NEGATIVE_INFINITY },
      { key: 'dead', step: 0, value: Number.NaN },
    ]);
  });
  afterAll(() => store?.dispose());

  it('keeps the history verbatim', async () => {
    expect((await registry.metricHistory(runId, 'loss')).map((p) => p.value)).toEqual([0.5, Number.NaN, 0.25, Number.NaN]);
    expect((await registry.metricHistory(runId, 'grad')).map((p) => p.value)).toEqual([Infinity, -Infinity]);
  });

  it('summarises the non-NaN points and keeps the last point as logged', async () => {
    const byKey = Object.fromEntries((await registry.metricSummaries(runId)).map((m) => [m.key, m]));
    expect(byKey['loss']).toMatchObject({ last: Number.NaN, lastStep: 3, min: 0.25, max: 0.5, avg: 0.375, count: 2 });
    expect(byKey['grad']).toMatchObject({ min: -Infinity, max: Infinity, count: 2 });
    expect(byKey['dead']).toMatchObject({ last: Number.NaN, min: null, max: null, avg: null, count: 0 });
    await registry.logMetric(runId, 'dead', 1, 2);
    expect((await registry.metricSummaries(runId)).find((m) => m.key === 'dead')).toMatchObject({ last: 2, min: 2, max: 2, avg: 2, count: 1 });
  });

  it('never lets NaN satisfy a comparison, and lists it faithfully', async () => {
    expect(await registry.queryRuns('metrics.loss > 0')).toEqual([]);
    expect((await registry.queryRuns('max(metrics.loss) >= 0.5')).map((r) => r.id)).toEqual([runId]);
    expect((await registry.queryRuns('metrics.grad < 0')).map((r) => r.id)).toEqual([runId]);
    expect((await registry.listRuns())[0]?.metrics).toMatchObject({ loss: Number.NaN, grad: -Infinity });
  });
});
