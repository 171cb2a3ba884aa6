import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FilterStrategy } from '../filter/compile.js';
import type { Registry } from '../registry.js';
import { auditFixture, openTestStore, stores, type TestStore } from './stores.js';

/**
 * Filter strings from MLflow's "Search Runs" guide (docs/classic-ml/search/search-runs), run unchanged against
 * the guide's own ten example runs. Only run ids differ: MLflow's are UUID strings, Leakproof's are integers,
 * so `{id1}` stands for the id of example run 1. The README's mapping table lists the same strings.
 */
export const mlflowDocFilters: [filter: string, runs: number[]][] = [
  ['metrics.accuracy > 0.72', [8, 9]],
  ['metrics."accuracy" > 0.72', [8, 9]],
  ['metrics.loss <= 0.15', [9]],
  ['metrics.`log-scale-loss` <= 0', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ['metrics.`f1 score` >= 0.5', [5, 6, 7, 8, 9]],
  ['metrics.accuracy > 0.72 AND metrics.loss <= 0.15', [9]],
  ['metrics.loss <= 0.15 AND metrics.loss >= 0.1', [9]],
  ['params.batch_size = "2"', [0, 1, 2, 3, 4]],
  ['params.model LIKE "GPT%"', [0, 1, 2, 3]],
  ['params.model ILIKE "gPt%"', [0, 1, 2, 3]],
  ['params.model LIKE "GPT%" AND params.batch_size = "2"', [0, 1, 2, 3]],
  ['params.batch_size != "None"', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ['tags."environment" = "notebook"', [0, 1, 2, 3, 4]],
  ['tags.environment = "notebook"', [0, 1, 2, 3, 4]],
  ['tags.task ILIKE "classif%"', [0]],
  ['attributes.status = "FAILED"', [7]],
  ['attributes.run_name = "my-run"', [3]],
  ["attributes.run_id IN ('{id1}', '{id2}')", [1, 2]],
  ['attributes.start_time >= 1664067852747', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
  ['attributes.run_id IN (\'{id1}\',\'{id2}\') AND metrics.loss > 0.3 AND metrics."f1 score" < 0.5 AND params.model LIKE "GPT%"', [1, 2]],
];

describe.each(stores)("MLflow's documented filters on $kind", ({ kind }) => {
  let store: TestStore;
  let registry: Registry;
  const ids: number[] = [];

  beforeAll(async () => {
    store = await openTestStore(kind);
    registry = store.registry;
    const auditId = (await registry.recordAudit(auditFixture())).id;
    // the guide's script: ten runs, None values not logged
    const model = ['GPT-2', 'GPT-3', 'GPT-3.5', 'GPT-4'];
    const task = ['classification', 'regression', 'causal lm'];
    for (let i = 0; i < 10; i++) {
      const params: Record<string, unknown> = { batch_size: i < 5 ? 2 : 4, 'learning rate': i % 2 === 0 ? 0.001 : 0.01 };
      if (model[i]) params['model'] = model[i];
      const run = await registry.createRun({ experiment: 'search-run-guide', name: i === 3 ? 'my-run' : `run-${i}`, auditId, params });
      const loss = (10 - i) / 10;
      await registry.logMetrics(run.id, [
        { key: 'loss', step: 0, value: loss },
        { key: 'accuracy', step: 0, value: i / 10 },
        { key: 'log-scale-loss', step: 0, value: Math.log(loss) },
        { key: 'f1 score', step: 0, value: i / 10 },
      ]);
      if (task[i]) await registry.setTag(run.id, 'task', task[i] as string);
      if (i < 5) await registry.setTag(run.id, 'environment', 'notebook');
      await registry.finishRun(run.id, i === 7 ? 'failed' : i === 8 ? 'interrupted' : 'finished');
      ids.push(run.id);
    }
  });
  afterAll(() => store?.dispose());

  it.each(mlflowDocFilters)('%s', async (template, expected) => {
    const filter = template.replace(/\{id(\d)\}/g, (_, i: string) => String(ids[Number(i)]));
    const want = expected.map((i) => ids[i]).sort((a, b) => (a as number) - (b as number));
    // 'auto' is one of these two
    for (const strategy of ['subqueries', 'pivot'] as FilterStrategy[]) {
      const found = (await registry.queryRuns(filter, { strategy })).map((r) => r.id).sort((a, b) => a - b);
      expect(found, strategy).toEqual(want);
    }
  });

  it('holds twenty filters', () => {
    expect(mlflowDocFilters).toHaveLength(20);
  });
});
