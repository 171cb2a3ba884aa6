import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditManifest, compareOptions, compareViews, decodeView, defaultPolicy, hashImageBatch, type AuditReport, type HashOutcome } from '@leakproof/audit';
import { buildManifest, type ImageRecord, type Manifest } from '@leakproof/ingest';
import { codeVersion, connectQueue, distributedAudit, DistributedAuditCancelled, hashSettings, listWorkers, queueName, runVerifyShard, storeHashes, workerComparer, type QueueSettings } from '@leakproof/queue';
import { generateSyntheticDataset } from '@leakproof/synth';
import { cli } from './support/run-cli.js';
import { adminUrl, comparable, createDatabase, sql, startWorker, stopWorkers, testSettings, waitFor, type WorkerProcess } from './support/distributed.js';

// Real `leakproof worker` processes against a real PostgreSQL: every test gets its own database.
if (!adminUrl) console.warn('LEAKPROOF_TEST_DATABASE_URL is unset: the distributed audit tests are skipped (they need PostgreSQL)');

const version = codeVersion({});
const hashQueue = queueName('audit-hash', version);
let manifest: Manifest;
let single: AuditReport;
const dbs: { drop: () => Promise<void> }[] = [];
const workers: WorkerProcess[] = [];

function coordinate(url: string, extra: { signal?: AbortSignal; settings?: QueueSettings; onProgress?: (p: { phase: string; done: number; total: number }) => void } = {}): Promise<AuditReport> {
  return distributedAudit(manifest, { databaseUrl: url, version, settings: extra.settings ?? testSettings, policy: defaultPolicy, shardSize: 10, pollMs: 200, ...(extra.signal ? { signal: extra.signal } : {}), ...(extra.onProgress ? { onProgress: extra.onProgress } : {}) });
}

async function database(): Promise<string> {
  const db = await createDatabase('lpq_test');
  dbs.push(db);
  return db.url;
}

function worker(url: string, env: Record<string, string> = {}): WorkerProcess {
  const w = startWorker(url, env);
  workers.push(w);
  return w;
}

async function hashRows(url: string): Promise<{ rows: number; distinct: number }> {
  const [r] = await sql<{ rows: string; distinct: string }>(url, 'select count(*) as rows, count(distinct content_sha256) as distinct from audit_hashes');
  return { rows: Number(r?.rows), distinct: Number(r?.distinct) };
}

describe('distributed mode on the embedded store', () => {
  it('is refused with a clear message: it needs PostgreSQL', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'lp-embedded-'));
    const audit = await cli(cwd, ['audit', cwd, '--distributed', '--no-record'], {});
    expect(audit.code).toBe(2);
    expect(audit.stderr).toMatch(/distributed mode needs PostgreSQL/);
    expect(audit.stderr).toMatch(/DATABASE_URL/);
    const worker = await cli(cwd, ['worker'], {});
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/needs PostgreSQL/);
  });
});

describe.skipIf(!adminUrl)('distributed audit: real workers on PostgreSQL', () => {
  beforeAll(async () => {
    const work = await mkdtemp(join(tmpdir(), 'lp-distributed-'));
    await generateSyntheticDataset(join(work, 'leaky'), { seed: 7, leaks: 'all', patients: 16 });
    manifest = await buildManifest(join(work, 'leaky'), {});
    single = await auditManifest(manifest, { policy: defaultPolicy, cacheDir: null });
  });

  afterAll(async () => {
    await stopWorkers(workers);
    for (const db of dbs) await db.drop();
  });

  it('writes the same report as a single-machine audit; heartbeats list the workers; another version leaves the jobs alone', async () => {
    const url = await database();
    const other = worker(url, { LEAKPROOF_CODE_VERSION: '0.0.0-other' });
    const pool = [worker(url), worker(url)];
    const report = await coordinate(url);
    expect(single.verdict).toBe('fail');
    expect(comparable(report)).toBe(comparable(single));
    const listed = await listWorkers(url, testSettings);
    expect(listed.filter((w) => w.status === 'running').map((w) => w.version).sort()).toEqual(['0.0.0-other', version, version].sort());
    await stopWorkers([other, ...pool]);
    expect(other.output()).toContain('0 job(s) done');
    expect(pool.map((w) => w.output()).join('')).toMatch(/[1-9]\d* job\(s\) done/);
    expect((await listWorkers(url, testSettings)).every((w) => w.status === 'stopped')).toBe(true);
    const { rows, distinct } = await hashRows(url);
    expect(rows).toBe(distinct);
    expect(rows).toBe(new Set(manifest.images.map((r) => r.sha256)).size);
  });

  it('kill -9 of a worker mid-shard: another worker takes the job after its lease expires; nothing missing or duplicated', async () => {
    const url = await database();
    const slow = worker(url, { LEAKPROOF_TEST_DELAY_PER_FILE_MS: '100' });
    const done = coordinate(url);
    await waitFor('the slow worker to be mid-shard', async () => (await hashRows(url)).rows > 0 && (await listWorkers(url, testSettings)).some((w) => w.currentJobs.length > 0));
    slow.child.kill('SIGKILL');
    await slow.exited;
    worker(url);
    const report = await done;
    expect(comparable(report)).toBe(comparable(single));
    const { rows, distinct } = await hashRows(url);
    expect(rows).toBe(distinct);
    expect(rows).toBe(new Set(manifest.images.map((r) => r.sha256)).size);
    const retried = await sql<{ n: string }>(url, `select count(*) as n from pgboss.job where name = $1 and retry_count > 0`, [hashQueue]);
    expect(Number(retried[0]?.n)).toBeGreaterThan(0);
    expect((await listWorkers(url, testSettings)).some((w) => w.status === 'silent')).toBe(true);
  });

  it('connection loss (pg_terminate_backend of every worker and coordinator backend) mid-audit: all reconnect and finish identically', async () => {
    const url = await database();
    worker(url, { LEAKPROOF_TEST_DELAY_PER_FILE_MS: '40' });
    worker(url, { LEAKPROOF_TEST_DELAY_PER_FILE_MS: '40' });
    const done = coordinate(url);
    const dbName = new URL(url).pathname.slice(1);
    await waitFor('some hashes', async () => (await hashRows(url)).rows > 5);
    const killed = await sql<{ n: string }>(adminUrl as string, 'select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
    expect(Number(killed[0]?.n)).toBeGreaterThan(2);
    const report = await done;
    expect(comparable(report)).toBe(comparable(single));
  });

  it('Ctrl-C cancels the coordinator\'s jobs; running it again resumes without redoing finished shards', async () => {
    const url = await database();
    worker(url, { LEAKPROOF_TEST_DELAY_PER_FILE_MS: '60' });
    const stop = new AbortController();
    let firstDone = 0;
    const first = coordinate(url, { signal: stop.signal, onProgress: (p) => { if (p.phase === 'hash' && p.done >= 15 && !stop.signal.aborted) { firstDone = p.done; stop.abort(); } } });
    await expect(first).rejects.toBeInstanceOf(DistributedAuditCancelled);
    const states = await sql<{ state: string; n: string }>(url, 'select state, count(*) as n from pgboss.job where name = $1 group by state', [hashQueue]);
    expect(states.find((s) => s.state === 'cancelled')).toBeDefined();
    const again = await coordinate(url);
    expect(comparable(again)).toBe(comparable(single));
    expect(again.timings.hashedFresh).toBeLessThanOrEqual(again.timings.images - firstDone);
  });

  it('two coordinators on the same dataset at once: identical reports, work shared (one job per shard)', async () => {
    const url = await database();
    worker(url);
    worker(url);
    const [a, b] = await Promise.all([coordinate(url), coordinate(url)]);
    expect(comparable(a)).toBe(comparable(b));
    expect(comparable(a)).toBe(comparable(single));
    const shards = Math.ceil(new Set(manifest.images.map((r) => r.sha256)).size / 10);
    const jobs = await sql<{ n: string }>(url, 'select count(*) as n from pgboss.job where name = $1', [hashQueue]);
    expect(Number(jobs[0]?.n)).toBe(shards);
  });

  it('a poisoned image (it aborts the worker process) fails alone after its retries and becomes a problem entry; the queue goes on', async () => {
    const url = await database();
    const unique = manifest.images.filter((r) => manifest.images.filter((o) => o.sha256 === r.sha256).length === 1);
    const poisoned = unique[3]?.path as string;
    const env = { LEAKPROOF_TEST_ABORT_ON_FILE: poisoned, LEAKPROOF_QUEUE_RETRY_LIMIT: '1' };
    let stopping = false;
    // what systemd's Restart=always does for a worker that crashed
    const supervise = (): void => {
      const w = worker(url, env);
      void w.exited.then(() => { if (!stopping) supervise(); });
    };
    supervise();
    supervise();
    const report = await coordinate(url, { settings: { ...testSettings, retryLimit: 1 } });
    stopping = true;
    const problem = report.problems.find((p) => p.path === poisoned);
    expect(problem?.message).toMatch(/failed on every attempt/);
    const { rows } = await hashRows(url);
    expect(rows).toBe(new Set(manifest.images.filter((r) => r.path !== poisoned).map((r) => r.sha256)).size);
    expect(report.timings.images).toBe(manifest.images.length);
  });

  it('a verification job compares the stored views; only a record without one is decoded, and a pair it cannot decode stays unverified (no score stored)', async () => {
    const url = await database();
    const q = await connectQueue(url, { settings: testSettings, version });
    const comparer = workerComparer();
    try {
      const distinct = manifest.images.filter((r, i) => manifest.images.findIndex((o) => o.sha256 === r.sha256) === i).slice(0, 3);
      const [a, b, c] = distinct as [ImageRecord, ImageRecord, ImageRecord];
      const outcomes = (await hashImageBatch(distinct.map((r) => join(manifest.root, r.path)))) as Extract<HashOutcome, { ok: true }>[];
      const settings = hashSettings(undefined);
      const withoutView = ({ view: _v, ...rest }: Extract<HashOutcome, { ok: true }>): HashOutcome => rest as HashOutcome;
      await storeHashes(q, [{ sha256: a.sha256, outcome: outcomes[0] as HashOutcome }, { sha256: b.sha256, outcome: withoutView(outcomes[1] as Extract<HashOutcome, { ok: true }>) }, { sha256: c.sha256, outcome: withoutView(outcomes[2] as Extract<HashOutcome, { ok: true }>) }], settings);
      const pair = (s: ImageRecord, t: ImageRecord, path: string, key: string) => ({ source: s.path, target: path, sourceSha256: s.sha256, targetSha256: t.sha256, startScale: 1, key });
      const result = await runVerifyShard(q, { version, root: manifest.root, settings, policy: defaultPolicy, pairs: [pair(a, b, b.path, 'k-ab'), pair(a, c, 'gone/missing.png', 'k-ac')] }, comparer);
      expect(result).toEqual({ verified: 1, reused: 0, withoutView: 2, unverified: 1 });
      const expected = Math.max(0, compareViews(decodeView((outcomes[0] as { view: string }).view), decodeView((outcomes[1] as { view: string }).view), compareOptions(defaultPolicy)));
      const stored = await sql<{ pair_key: string; score: number }>(url, 'select pair_key, score from audit_pair_scores order by pair_key');
      expect(stored).toEqual([{ pair_key: 'k-ab', score: expected }]);
    } finally {
      await comparer.close();
      await q.close();
    }
  });

  it('sweep: one audit of one split plan, one queued job per configuration × seed; status picks on validation only', async () => {
    const url = await database();
    const cwd = await mkdtemp(join(tmpdir(), 'lp-sweep-'));
    await generateSyntheticDataset(join(cwd, 'clean'), { seed: 8, patients: 12 });
    await writeFile(join(cwd, 'exp.json'), JSON.stringify({ dataset: { root: 'clean' }, train: { model: 'cnn4', imageSize: 64, epochs: 1 } }));
    const env = { DATABASE_URL: url };
    expect((await cli(cwd, ['audit', 'clean'], env)).code).toBe(0);
    const refused = await cli(cwd, ['sweep', '--config', 'exp.json', '--grid', 'splits.seed=[1,2]'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/one split plan/);
    const started = await cli(cwd, ['sweep', '--config', 'exp.json', '--grid', 'train.maxLr=[0.001,0.003]', '--seeds', '2', '--format', 'json'], env);
    expect(started.code).toBe(0);
    const sweep = JSON.parse(started.stdout) as { sweepId: string; auditId: number; configurations: unknown[] };
    expect(sweep.configurations).toHaveLength(4);
    const jobs = await sql<{ audit: string; n: string }>(url, `select data->>'auditId' as audit, count(*) as n from pgboss.job where data->>'sweepId' = $1 group by 1`, [sweep.sweepId]);
    expect(jobs).toEqual([{ audit: String(sweep.auditId), n: '4' }]);
    const status = await cli(cwd, ['sweep', 'status', sweep.sweepId, '--format', 'json'], env);
    const shown = JSON.parse(status.stdout) as { rows: { job: string }[]; best?: unknown; note: string };
    expect(shown.rows.map((r) => r.job)).toEqual(['created', 'created', 'created', 'created']);
    expect(shown.best).toBeUndefined();
    expect(shown.note).toMatch(/validation split only/);
    const byTest = await cli(cwd, ['sweep', 'status', sweep.sweepId, '--metric', 'test_auc'], env);
    expect(byTest.stderr).toMatch(/never on test/);
  });
});

