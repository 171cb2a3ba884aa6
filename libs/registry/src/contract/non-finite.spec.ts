import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../registry.js';
import { auditFixture, openTestStore, stores, type TestStore } from './stores.js';

// What MLflow tracking needs (migration 0009): NaN and ±Infinity metric values (history keeps them, summaries and
// filters skip NaN) and params logged after a run started (write-once per key).
describe.each(stores)('non-finite metric values and growing params on $kind', ({ kind }) => {
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
    expect(await registry.queryRuns('metrics.loss not in (0.5, 0.25)')).toEqual([]);
    expect((await registry.listRuns())[0]?.metrics).toMatchObject({ loss: Number.NaN, grad: -Infinity });
  });

  it('sorts a NaN metric (and a max with no non-NaN point) after every number, in both directions, like a missing one', async () => {
    const auditId = (await registry.getRunRecord(runId))?.auditId as number;
    const ids: Record<string, number> = {};
    for (const [name, value] of [['high', 0.9], ['nan', Number.NaN], ['low', 0.5], ['none', undefined]] as const) {
      ids[name] = (await registry.createRun({ experiment: 'order', name, auditId })).id;
      if (value !== undefined) await registry.logMetric(ids[name] as number, 'score', 0, value);
    }
    const order = async (orderBy: string, limit?: number) =>
      (await registry.queryRuns("attributes.experiment = 'order'", { orderBy, limit })).map((r) => r.name);
    expect((await order('metrics.score desc')).slice(0, 2)).toEqual(['high', 'low']);
    expect(await order('metrics.score desc', 2)).toEqual(['high', 'low']);
    expect((await order('metrics.score asc')).slice(0, 2)).toEqual(['low', 'high']);
    expect((await order('max(metrics.score) desc', 2))).toEqual(['high', 'low']);
    expect((await order('avg(metrics.score) desc')).slice(0, 2)).toEqual(['high', 'low']);
    expect((await order('attributes.experiment, metrics.score desc')).slice(0, 2)).toEqual(['high', 'low']);
    expect((await order('metrics.score desc')).slice(2).sort()).toEqual(['nan', 'none']);
  });

  it('lets params grow but never change (write-once keys, as in MLflow)', async () => {
    const auditId = (await registry.getRunRecord(runId))?.auditId as number;
    const running = (await registry.createRun({ experiment: 'nan', name: 'params', auditId, params: { lr: 0.1, optimizer: { name: 'adam' } } })).id;
    await registry.logParams(running, { batch: '32', lr: 0.1 });
    await expect(registry.logParams(running, { batch: '64' })).rejects.toMatchObject({ code: 'LP010' });
    await expect(registry.logParams(running, { optimizer: { name: 'sgd' } })).rejects.toMatchObject({ code: 'LP010' });
    // a dotted key is the same param as a nested one (run_params keeps both flattened): refused, not a raw key violation
    await expect(registry.logParams(running, { 'optimizer.name': 'sgd' })).rejects.toMatchObject({ name: 'RegistryError', code: 'LP010', message: expect.stringContaining('optimizer.name') });
    const rows = (await registry.db.execute(`select key, num_value, text_value from run_params where run_id = ${running} order by key`)) as unknown as { rows: unknown[] };
    expect(rows.rows).toEqual([
      { key: 'batch', num_value: null, text_value: '32' },
      { key: 'lr', num_value: 0.1, text_value: '0.1' },
      { key: 'optimizer.name', num_value: null, text_value: 'adam' },
    ]);
  });
});
