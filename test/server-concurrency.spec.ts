import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, serveTestStore, serverStores, type ServedStore } from './support/server-store.js';

const writers = 4;
const readers = 20;
const batches = 5;
const perBatch = 50;

// 20 readers and 4 writers at once, as real HTTP clients, against the server owning an embedded store (PGlite: one
// process, one connection; in memory here, on disk in server-owner.spec.ts) and against PostgreSQL: every request
// succeeds and every metric point arrives.
describe.each(serverStores)('20 readers and 4 writers on $kind', ({ kind }) => {
  let s: ServedStore;
  let experimentId: string;

  beforeAll(async () => {
    s = await serveTestStore(kind);
    experimentId = (await request(s.url, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'load' })).body.experiment_id;
  });
  afterAll(() => s?.dispose());

  it('answers everyone and loses nothing', async () => {
    const failures: string[] = [];
    const check = (what: string, res: { status: number; body: unknown }) => {
      if (res.status !== 200) failures.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      return res;
    };
    let writing = true;
    const writer = async (w: number): Promise<string> => {
      const created = check('create', await request(s.url, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: experimentId, run_name: `w${w}`, tags: [{ key: 'leakproof.audit', value: String(s.auditId) }] }));
      const runId = (created.body as { run: { info: { run_id: string } } }).run.info.run_id;
      check('param', await request(s.url, 'POST', '/api/2.0/mlflow/runs/log-parameter', { run_id: runId, key: 'writer', value: String(w) }));
      for (let b = 0; b < batches; b++) {
        const metrics = Array.from({ length: perBatch }, (_, i) => ({ key: `m${i % 5}`, value: b + i / perBatch, timestamp: String(Date.now()), step: String(b * perBatch + i) }));
        check('log-batch', await request(s.url, 'POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics, tags: [{ key: 'batch', value: String(b) }] }));
      }
      check('finish', await request(s.url, 'POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status: 'FINISHED', end_time: String(Date.now()) }));
      return runId;
    };
    let reads = 0;
    // each reader keeps asking while the writers write (a few rounds: enough overlap, and the suite stays fast)
    const reader = async (r: number): Promise<void> => {
      let mine = 0;
      do {
        mine++;
        const which = (r + reads) % 3;
        if (which === 0) check('search', await request(s.url, 'POST', '/api/2.0/mlflow/runs/search', { experiment_ids: [experimentId], filter: 'metrics.m0 >= 0', max_results: 50 }));
        else if (which === 1) check('v1 runs', await request(s.url, 'GET', '/api/v1/runs?limit=50'));
        else check('v1 query', await request(s.url, 'POST', '/api/v1/runs/query', { filter: "attributes.status = 'running'", limit: 50 }));
        reads++;
      } while (writing && mine < 4);
    };
    const readersDone = Promise.all(Array.from({ length: readers }, (_, r) => reader(r)));
    const runIds = await Promise.all(Array.from({ length: writers }, (_, w) => writer(w))).finally(() => (writing = false));
    await readersDone;
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThanOrEqual(readers);
    for (const id of runIds) {
      const summaries = await s.registry.metricSummaries(Number(id));
      expect(summaries.reduce((n, m) => n + m.count, 0)).toBe(batches * perBatch);
      expect((await s.registry.metricHistory(Number(id), 'm0')).length).toBe((batches * perBatch) / 5);
      expect((await s.registry.getRunRecord(Number(id)))?.status).toBe('finished');
    }
  });
});
