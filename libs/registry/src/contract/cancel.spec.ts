import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../db.js';
import { openRegistry } from '../open.js';
import type { Registry } from '../registry.js';
import { auditFixture, openTestStore, stores, type TestStore } from './stores.js';

/** 64 metric comparisons compiled the old way: PostgreSQL spends over a minute planning them, long enough to cancel. */
const slowFilter = Array.from({ length: 64 }, (_, i) => `metrics.k${i % 8} > ${i / 100}`).join(' and ');

async function seed(registry: Registry): Promise<void> {
  const auditId = (await registry.recordAudit(auditFixture())).id;
  const run = await registry.createRun({ experiment: 'exp', name: 'r1', auditId, params: {} });
  await registry.logMetrics(
    run.id,
    Array.from({ length: 8 }, (_, k) => ({ key: `k${k}`, step: 0, value: 1 })),
  );
}

describe.each(stores)('cancelling queries on $kind', ({ kind }) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await seed(store.registry);
  });
  afterAll(() => store?.dispose());

  it('refuses to start a query whose signal is already aborted', async () => {
    await expect(store.registry.queryRuns('metrics.k0 > 0', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'query-cancelled', userFacing: true });
  });

  it('answers normally with a signal that is never aborted', async () => {
    expect((await store.registry.queryRuns('metrics.k0 > 0', { signal: new AbortController().signal })).map((r) => r.name)).toEqual(['r1']);
  });
});

describe.skipIf(!stores.some((s) => s.kind === 'postgres'))('statement timeout and server-side cancel on postgres', () => {
  let store: TestStore;
  let registry: Registry;
  beforeAll(async () => {
    store = await openTestStore('postgres');
    registry = store.registry;
    await seed(registry);
  });
  afterAll(() => store?.dispose());

  const activeFilterQueries = async (): Promise<number> => {
    const [row] = await rows<{ n: number }>(
      registry.db,
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid() and query like '%metric_summaries%'`,
    );
    return row?.n ?? -1;
  };

  it('cancels the statement on the server when the caller aborts', async () => {
    const controller = new AbortController();
    const t0 = performance.now();
    const pending = registry.queryRuns(slowFilter, { signal: controller.signal, strategy: 'subqueries' });
    // wait until the server runs it (a fixed pause was flaky on a loaded machine)
    for (let i = 0; i < 200 && (await activeFilterQueries()) === 0; i++) await new Promise((done) => setTimeout(done, 50));
    expect(await activeFilterQueries()).toBe(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'query-cancelled' });
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(await activeFilterQueries()).toBe(0);
    // the connection went back to the pool in a usable state
    expect((await registry.queryRuns('metrics.k0 > 0', { signal: new AbortController().signal })).map((r) => r.name)).toEqual(['r1']);
  });

  it('stops a statement at the statement timeout', async () => {
    const short = await openRegistry({ databaseUrl: store.databaseUrl, statementTimeoutMs: 300 });
    try {
      const t0 = performance.now();
      await expect(short.queryRuns(slowFilter, { strategy: 'subqueries' })).rejects.toMatchObject({ code: 'query-timeout', userFacing: true });
      expect(performance.now() - t0).toBeLessThan(10_000);
      // the pivot answers the same filter well inside the timeout
      expect((await short.queryRuns(slowFilter)).map((r) => r.name)).toEqual(['r1']);
    } finally {
      await short.close();
    }
  });
});
