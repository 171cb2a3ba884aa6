import { openRegistry, type Registry } from '@leakproof/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsPage } from './runs-routes.js';

describe('runs page', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await openRegistry();
    const audit = await registry.recordAudit({
      dataset: { name: 'd', root: '/data/d' },
      fingerprint: 'a'.repeat(64),
      verdict: 'pass',
      policy: {},
      policyHash: 'b'.repeat(64),
      report: {},
      toolVersion: 'test',
      splits: [{ name: 'train', images: 1, patients: 1 }],
    });
    for (let i = 0; i < 7; i++) {
      const run = await registry.createRun({ experiment: i < 5 ? 'alpha' : "o'brien", name: `run-${i}`, auditId: audit.id, params: { model: { depth: i } } });
      await registry.logMetrics(run.id, [{ key: 'recall', step: 0, value: i / 10 }]);
      if (i % 2 === 0) await registry.finishRun(run.id);
    }
  });
  afterAll(() => registry.close());

  it('pages server-side in the requested order and says whether more follow', async () => {
    const first = await runsPage(registry, { order: 'metrics.recall desc', pageSize: '3' });
    expect(first.rows.map((r) => r.name)).toEqual(['run-6', 'run-5', 'run-4']);
    expect(first.hasMore).toBe(true);
    const last = await runsPage(registry, { order: 'metrics.recall desc', pageSize: '3', page: '2' });
    expect(last.rows.map((r) => r.name)).toEqual(['run-0']);
    expect(last.hasMore).toBe(false);
    expect(first.keys).toEqual({ metrics: ['recall'], params: ['model.depth'], tags: [] });
    expect(first.experiments).toEqual(['alpha', "o'brien"]);
  });

  it('ANDs the experiment and status facets onto the filter, quoting them', async () => {
    const page = await runsPage(registry, { filter: 'params.model.depth >= 2', experiment: "o'brien", status: 'finished' });
    expect(page.rows.map((r) => r.name)).toEqual(['run-6']);
  });

  it('reports a bad filter at the column of what the user typed, not of the composed query', async () => {
    await expect(runsPage(registry, { filter: 'metrics.recall >> 1', experiment: 'alpha' })).rejects.toMatchObject({ name: 'FilterSyntaxError', column: 17 });
  });
});
