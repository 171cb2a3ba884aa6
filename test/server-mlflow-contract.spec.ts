import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, serveTestStore, serverStores, type ServedStore } from './support/server-store.js';

// MLflow REST API 2.0 requests, shaped as in MLflow's REST API reference and as its Python client sends them
// (protobuf JSON: int64 as strings, NaN as "NaN"), replayed against `leakproof server` on each store.
describe.each(serverStores)('MLflow tracking API on $kind', ({ kind }) => {
  let s: ServedStore;
  let experimentId: string;
  let runId: string;
  const api = (method: string, path: string, body?: unknown) => request(s.url, method, `/api/2.0/mlflow/${path}`, body);

  beforeAll(async () => {
    s = await serveTestStore(kind);
  });
  afterAll(() => s?.dispose());

  it('creates, gets and searches experiments; a duplicate name is RESOURCE_ALREADY_EXISTS', async () => {
    const created = await api('POST', 'experiments/create', { name: 'pneumonia', artifact_location: '', tags: [] });
    expect(created).toMatchObject({ status: 200, body: { experiment_id: expect.stringMatching(/^\d+$/) } });
    experimentId = created.body.experiment_id;
    expect(await api('POST', 'experiments/create', { name: 'pneumonia' })).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
    const byName = await api('GET', 'experiments/get-by-name?experiment_name=pneumonia');
    expect(byName.body.experiment).toMatchObject({ experiment_id: experimentId, name: 'pneumonia', lifecycle_stage: 'active', artifact_location: `mlflow-artifacts:/${experimentId}` });
    expect((await api('GET', `experiments/get?experiment_id=${experimentId}`)).body.experiment.name).toBe('pneumonia');
    expect(await api('GET', 'experiments/get-by-name?experiment_name=nope')).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await api('GET', 'experiments/get?experiment_id=424242')).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    const search = await api('POST', 'experiments/search', { max_results: 10, filter: "name LIKE 'pneu%'" });
    expect(search.body.experiments.map((e: { name: string }) => e.name)).toEqual(['pneumonia']);
  });

  it('refuses a run that names no audit, and says how to bind it', async () => {
    const res = await api('POST', 'runs/create', { experiment_id: experimentId, start_time: '1700000000000', tags: [{ key: 'mlflow.user', value: 'ann' }] });
    expect(res).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('names no audit') } });
    expect(res.body.hint).toMatch(/leakproof run -- <command>.*leakproof\.audit/);
    const failing = await api('POST', 'runs/create', { experiment_id: experimentId, tags: [{ key: 'leakproof.audit', value: 'ffffffff' }] });
    expect(failing).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('creates a run bound by audit id, by fingerprint prefix, or through its parent', async () => {
    const byId = await api('POST', 'runs/create', { experiment_id: experimentId, user_id: 'ann', run_name: 'cnn-1', start_time: 1700000000000, tags: [{ key: 'leakproof.audit', value: String(s.auditId) }] });
    expect(byId.status).toBe(200);
    expect(byId.body.run.info).toMatchObject({ run_name: 'cnn-1', experiment_id: experimentId, status: 'RUNNING', lifecycle_stage: 'active', user_id: 'ann' });
    runId = byId.body.run.info.run_id;
    expect(byId.body.run.info.run_uuid).toBe(runId);
    expect(byId.body.run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
    const byPrefix = await api('POST', 'runs/create', { experiment_id: experimentId, tags: [{ key: 'leakproof.audit', value: s.auditFingerprint.slice(0, 12) }] });
    expect(byPrefix.body.run.data.tags).toContainEqual({ key: 'leakproof.audit', value: String(s.auditId) });
    const child = await api('POST', 'runs/create', { experiment_id: experimentId, tags: [{ key: 'mlflow.parentRunId', value: runId }] });
    expect(child.status).toBe(200);
    expect((await s.registry.getRunRecord(Number(child.body.run.info.run_id)))?.auditId).toBe(s.auditId);
    // MLflow's default experiment "0"
    const inDefault = await api('POST', 'runs/create', { tags: [{ key: 'leakproof.audit', value: String(s.auditId) }] });
    expect(inDefault.status).toBe(200);
  });

  it('logs metrics (NaN and ±Infinity kept), params (write-once) and tags, then reads them back', async () => {
    expect(await api('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 0.9, timestamp: '1700000000001', step: '0' })).toMatchObject({ status: 200, body: {} });
    expect((await api('POST', 'runs/log-metric', { run_uuid: runId, key: 'loss', value: 'NaN', timestamp: 1700000000002, step: 1 })).status).toBe(200);
    expect((await api('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.001' })).status).toBe(200);
    expect((await api('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.001' })).status).toBe(200);
    expect(await api('POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const batch = await api('POST', 'runs/log-batch', {
      run_id: runId,
      metrics: [
        { key: 'loss', value: 0.5, timestamp: '1700000000003', step: '2' },
        { key: 'grad', value: 'Infinity', timestamp: '1700000000003', step: '0' },
        { key: 'grad', value: '-Infinity', timestamp: '1700000000004', step: '1' },
      ],
      params: [{ key: 'optimizer', value: 'adam' }],
      tags: [
        { key: 'note', value: 'first' },
        { key: 'note', value: 'second' },
      ],
    });
    expect(batch).toMatchObject({ status: 200, body: {} });
    expect((await api('POST', 'runs/set-tag', { run_id: runId, key: 'stage', value: 'dev' })).status).toBe(200);
    expect((await api('POST', 'runs/set-tag', { run_id: runId, key: 'gone', value: 'x' })).status).toBe(200);
    expect((await api('POST', 'runs/delete-tag', { run_id: runId, key: 'gone' })).status).toBe(200);
    expect(await api('POST', 'runs/delete-tag', { run_id: runId, key: 'gone' })).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await api('POST', 'runs/delete-tag', { run_id: runId, key: 'leakproof.audit' })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await api('POST', 'runs/set-tag', { run_id: runId, key: 'leakproof.audit', value: '999' })).toMatchObject({ status: 400 });

    const history = await api('GET', `metrics/get-history?run_id=${runId}&metric_key=loss`);
    expect(history.body.metrics.map((m: { step: number; value: unknown }) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 'NaN'],
      [2, 0.5],
    ]);
    const grad = await api('GET', `metrics/get-history?run_id=${runId}&metric_key=grad`);
    expect(grad.body.metrics.map((m: { value: unknown }) => m.value)).toEqual(['Infinity', '-Infinity']);
    const paged = await api('GET', `metrics/get-history?run_id=${runId}&metric_key=loss&max_results=2`);
    expect(paged.body.metrics).toHaveLength(2);
    const rest = await api('GET', `metrics/get-history?run_id=${runId}&metric_key=loss&max_results=2&page_token=${paged.body.next_page_token}`);
    expect(rest.body.metrics.map((m: { step: number }) => m.step)).toEqual([2]);

    const run = (await api('GET', `runs/get?run_id=${runId}`)).body.run;
    expect(run.data.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'loss', value: 0.5, step: 2 }), expect.objectContaining({ key: 'grad', value: '-Infinity', step: 1 })]));
    expect(run.data.params).toEqual(expect.arrayContaining([{ key: 'lr', value: '0.001' }, { key: 'optimizer', value: 'adam' }]));
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: 'note', value: 'second' }, { key: 'stage', value: 'dev' }, { key: 'mlflow.runName', value: 'cnn-1' }]));
    expect(run.data.tags.map((t: { key: string }) => t.key)).not.toContain('gone');
  });

  it('takes a param the run already has (typed, from its config) again in the string form runs/get shows, and refuses another value with a 400', async () => {
    const run = await s.registry.createRun({ experiment: 'typed-params', name: 'typed', auditId: s.auditId, params: { epochs: 12, lr: 0.002, opt: { name: 'adam' } } });
    const id = String(run.id);
    const shown = (await api('GET', `runs/get?run_id=${id}`)).body.run.data.params;
    expect(shown).toEqual(expect.arrayContaining([{ key: 'epochs', value: '12' }, { key: 'opt.name', value: 'adam' }]));
    // what mlflow.log_params(config) sends: every value as a string
    for (const [key, value] of [['epochs', '12'], ['lr', '0.002'], ['opt.name', 'adam']] as const) {
      expect(await api('POST', 'runs/log-parameter', { run_id: id, key, value }), key).toMatchObject({ status: 200 });
    }
    const again = await api('POST', 'runs/log-batch', { run_id: id, params: [{ key: 'epochs', value: '12' }, { key: 'opt.name', value: 'adam' }, { key: 'seed', value: '1' }] });
    expect(again).toMatchObject({ status: 200 });
    for (const [key, value] of [['epochs', '13'], ['opt.name', 'sgd']] as const) {
      expect(await api('POST', 'runs/log-parameter', { run_id: id, key, value }), key).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining(key) } });
    }
    expect(await api('POST', 'runs/log-batch', { run_id: id, params: [{ key: 'opt.name', value: 'sgd' }] })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await s.registry.getRunRecord(run.id))?.params).toEqual({ epochs: 12, lr: 0.002, opt: { name: 'adam' }, seed: '1' });
  });

  it('enforces MLflow\'s log-batch limits (1000 metrics, 100 params, 100 tags, 1000 in total)', async () => {
    const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i / n, timestamp: 1, step: i }));
    const params = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `p${i}`, value: String(i) }));
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `t${i}`, value: String(i) }));
    expect((await api('POST', 'runs/log-batch', { run_id: runId, metrics: metrics(1000) })).status).toBe(200);
    for (const body of [{ metrics: metrics(1001) }, { params: params(101) }, { tags: tags(101) }, { metrics: metrics(900), params: params(100), tags: tags(1) }]) {
      const res = await api('POST', 'runs/log-batch', { run_id: runId, ...body });
      expect(res).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('at most') } });
    }
    expect((await s.registry.metricHistory(Number(runId), 'm')).length).toBe(1000);
  });

  it('searches runs through the registry filter language, with order and pages; a bad filter is INVALID_PARAMETER_VALUE', async () => {
    const found = await api('POST', 'runs/search', { experiment_ids: [experimentId], filter: 'metrics.loss < 0.6', max_results: 10 });
    expect(found.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runId]);
    const all = await api('POST', 'runs/search', { experiment_ids: [experimentId], order_by: ['attributes.start_time DESC'], max_results: 2 });
    expect(all.body.runs).toHaveLength(2);
    expect(all.body.next_page_token).toBeTruthy();
    const next = await api('POST', 'runs/search', { experiment_ids: [experimentId], order_by: ['attributes.start_time DESC'], max_results: 2, page_token: all.body.next_page_token });
    expect(next.body.runs).toHaveLength(1);
    expect(await api('POST', 'runs/search', { experiment_ids: [experimentId], filter: 'metrics.loss <' })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await api('POST', 'runs/search', { experiment_ids: [experimentId], max_results: 50001 })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await api('POST', 'runs/search', { max_results: 0 })).toMatchObject({ status: 400, body: { message: expect.stringContaining('must be a positive integer') } });
  });

  it('points a bad filter or order_by at the column of what the client sent, not of the query it is combined into', async () => {
    const badFilter = await api('POST', 'runs/search', { experiment_ids: [experimentId], filter: 'metrics.loss >> 1' });
    expect(badFilter).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^bad filter at column 15: /) } });
    expect(badFilter.body.message).toContain('\n  metrics.loss >> 1\n');
    expect(badFilter.body.message).not.toContain('attributes.experiment');
    const badOrder = await api('POST', 'runs/search', { experiment_ids: [experimentId], order_by: ['attributes.start_time DESC', 'metrics.loss sideways'] });
    expect(badOrder).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^bad order-by at column 14: expected 'asc', 'desc'/) } });
    expect(badOrder.body.message).toContain('\n  metrics.loss sideways\n');
  });

  it('uploads, lists and downloads artifacts through the mlflow-artifacts proxy', async () => {
    const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
    const put = await fetch(`${s.url}${base}/plots/roc.txt`, { method: 'PUT', body: 'roc curve' });
    expect(put.status).toBe(200);
    expect((await request(s.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/${runId}/artifacts/plots`)).body).toEqual({ files: [{ path: 'roc.txt', is_dir: false, file_size: 9 }] });
    expect((await request(s.url, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${experimentId}/${runId}/artifacts`)).body).toEqual({ files: [{ path: 'plots', is_dir: true }] });
    expect(await (await fetch(`${s.url}${base}/plots/roc.txt`)).text()).toBe('roc curve');
    expect((await api('GET', `artifacts/list?run_id=${runId}&path=plots`)).body).toEqual({ root_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`, files: [{ path: 'plots/roc.txt', is_dir: false, file_size: 9 }] });
    const detail = await s.registry.getRun(Number(runId));
    expect(detail?.artifacts).toContainEqual(expect.objectContaining({ kind: 'mlflow:plots/roc.txt', size: 9 }));
    expect((await fetch(`${s.url}${base}/nope.txt`)).status).toBe(404);
  });

  it('finishes a run with runs/update, then refuses anything logged to it', async () => {
    const updated = await api('POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: '1700000009999' });
    expect(updated.body.run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: expect.any(Number) });
    for (const [path, body] of [
      ['runs/log-metric', { run_id: runId, key: 'late', value: 1, timestamp: 1, step: 0 }],
      ['runs/log-parameter', { run_id: runId, key: 'late', value: '1' }],
      ['runs/log-batch', { run_id: runId, metrics: [{ key: 'late', value: 1, timestamp: 1, step: 0 }] }],
      ['runs/set-tag', { run_id: runId, key: 'late', value: '1' }],
    ] as const) {
      expect(await api('POST', path, body)).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('finished') } });
    }
    const put = await fetch(`${s.url}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/late.txt`, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(400);
    expect((await s.registry.metricHistory(Number(runId), 'late')).length).toBe(0);
  });

  it("orders by MLflow's end_time as the finish time, not the start time", async () => {
    const pause = () => new Promise((done) => setTimeout(done, 5));
    const create = async () => (await api('POST', 'runs/create', { experiment_id: experimentId, tags: [{ key: 'leakproof.audit', value: String(s.auditId) }] })).body.run.info.run_id as string;
    const first = await create();
    await pause();
    const second = await create();
    for (const id of [second, first]) {
      await pause();
      expect((await api('POST', 'runs/update', { run_id: id, status: 'FINISHED' })).status).toBe(200);
    }
    const order = async (by: string) =>
      (await api('POST', 'runs/search', { experiment_ids: [experimentId], filter: `attributes.run_id IN ('${first}', '${second}')`, order_by: [by] })).body.runs.map((r: { info: { run_id: string } }) => r.info.run_id);
    expect(await order('attributes.start_time DESC')).toEqual([second, first]);
    expect(await order('attributes.end_time DESC')).toEqual([first, second]);
  });

  it('pages DELETED_ONLY searches over deleted runs, however many active runs are newer', async () => {
    const create = async () => (await api('POST', 'runs/create', { experiment_id: experimentId, tags: [{ key: 'leakproof.audit', value: String(s.auditId) }] })).body.run.info.run_id as string;
    const deleted = [await create(), await create()];
    for (const id of deleted) await s.registry.archiveRun(Number(id));
    for (let i = 0; i < 3; i++) await create();
    const search = (page_token?: string) => api('POST', 'runs/search', { experiment_ids: [experimentId], run_view_type: 'DELETED_ONLY', max_results: 1, ...(page_token ? { page_token } : {}) });
    const first = await search();
    expect(first.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([deleted[1]]);
    const second = await search(first.body.next_page_token);
    expect(second.body.runs.map((r: { info: { run_id: string; lifecycle_stage: string } }) => [r.info.run_id, r.info.lifecycle_stage])).toEqual([[deleted[0], 'deleted']]);
    expect(second.body.next_page_token).toBeUndefined();
  });

  it('deletes and restores a run (runs/delete, runs/restore: archived, never removed)', async () => {
    const id = (await api('POST', 'runs/create', { experiment_id: experimentId, tags: [{ key: 'leakproof.audit', value: String(s.auditId) }] })).body.run.info.run_id as string;
    const active = async () => (await api('POST', 'runs/search', { experiment_ids: [experimentId], filter: `attributes.run_id = '${id}'` })).body.runs.length;
    expect(await api('POST', 'runs/delete', { run_id: id })).toMatchObject({ status: 200, body: {} });
    expect((await api('GET', `runs/get?run_id=${id}`)).body.run.info.lifecycle_stage).toBe('deleted');
    expect(await active()).toBe(0);
    expect(await api('POST', 'runs/log-metric', { run_id: id, key: 'k', value: 1, timestamp: 1, step: 0 })).toMatchObject({ status: 400, body: { message: expect.stringContaining("'active' state") } });
    expect(await api('POST', 'runs/restore', { run_id: id })).toMatchObject({ status: 200, body: {} });
    expect((await api('GET', `runs/get?run_id=${id}`)).body.run.info.lifecycle_stage).toBe('active');
    expect(await active()).toBe(1);
    expect(await api('POST', 'runs/delete', { run_id: '999999' })).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    expect(await api('POST', 'runs/delete', {})).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('renames a running run by update_run name or the mlflow.runName tag, as MLflow does; a finished run keeps its name', async () => {
    const id = (await api('POST', 'runs/create', { experiment_id: experimentId, run_name: 'draft', tags: [{ key: 'leakproof.audit', value: String(s.auditId) }] })).body.run.info.run_id as string;
    const named = async () => {
      const run = (await api('GET', `runs/get?run_id=${id}`)).body.run;
      return [run.info.run_name, run.data.tags.find((t: { key: string }) => t.key === 'mlflow.runName')?.value];
    };
    expect((await api('POST', 'runs/update', { run_id: id, run_name: 'lr-3e-3' })).body.run_info).toMatchObject({ run_name: 'lr-3e-3', status: 'RUNNING' });
    expect(await named()).toEqual(['lr-3e-3', 'lr-3e-3']);
    expect((await api('POST', 'runs/set-tag', { run_id: id, key: 'mlflow.runName', value: 'lr-1e-3' })).status).toBe(200);
    expect(await named()).toEqual(['lr-1e-3', 'lr-1e-3']);
    expect((await api('POST', 'runs/log-batch', { run_id: id, tags: [{ key: 'mlflow.runName', value: 'final' }] })).status).toBe(200);
    const found = await api('POST', 'runs/search', { experiment_ids: [experimentId], filter: "attributes.run_name = 'final'" });
    expect(found.body.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([id]);
    expect(await api('POST', 'runs/set-tag', { run_id: id, key: 'mlflow.runName', value: ' ' })).toMatchObject({ status: 400 });
    expect((await api('POST', 'runs/update', { run_id: id, status: 'FINISHED', run_name: 'finished-name' })).body.run_info).toMatchObject({ run_name: 'finished-name', status: 'FINISHED' });
    expect(await api('POST', 'runs/update', { run_id: id, run_name: 'too-late' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('finished') } });
    expect(await named()).toEqual(['finished-name', 'finished-name']);
  });

  it('answers unknown, malformed and foreign run ids with RESOURCE_DOES_NOT_EXIST', async () => {
    for (const id of ['999999', 'abc', '1.5', '-1', '0x10', 'b4a7e0c2f7d94c55a8a5f9f0c1d2e3f4']) {
      expect(await api('GET', `runs/get?run_id=${id}`)).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
      expect(await api('POST', 'runs/log-metric', { run_id: id, key: 'k', value: 1, timestamp: 1, step: 0 })).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    }
  });

  it('serves the same API under /ajax-api/2.0/mlflow', async () => {
    const res = await request(s.url, 'GET', `/ajax-api/2.0/mlflow/runs/get?run_id=${runId}`);
    expect(res.body.run.info.run_id).toBe(runId);
  });
});
