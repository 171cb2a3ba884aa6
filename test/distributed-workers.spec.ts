import { afterAll, describe, expect, it } from 'vitest';
import { listWorkers } from '@leakproof/queue';
import { adminUrl, createDatabase, sql, startWorker, stopWorkers, testSettings, waitFor, type WorkerProcess } from './support/distributed.js';

// Real `leakproof worker` processes against a real PostgreSQL (own database).
const dbs: { drop: () => Promise<void> }[] = [];
const workers: WorkerProcess[] = [];

describe.skipIf(!adminUrl)('leakproof workers', () => {
  afterAll(async () => {
    await stopWorkers(workers);
    for (const db of dbs) await db.drop();
  });

  it('a killed worker shows as silent for a day, then leaves the list like a stopped one (crash loops do not pile up forever)', async () => {
    const db = await createDatabase('lpq_workers');
    dbs.push(db);
    const started = [startWorker(db.url), startWorker(db.url)];
    workers.push(...started);
    await waitFor('two heartbeats', async () => (await listWorkers(db.url, testSettings)).length === 2);
    for (const w of started) {
      w.child.kill('SIGKILL');
      await w.exited;
    }
    const [old, recent] = started.map((w) => w.child.pid);
    await sql(db.url, `update queue_workers set last_seen = now() - interval '2 days', started_at = now() - interval '2 days' where pid = $1`, [old]);
    await sql(db.url, `update queue_workers set last_seen = now() - interval '2 hours' where pid = $1`, [recent]);
    const listed = await listWorkers(db.url, testSettings);
    expect(listed.map((w) => [w.pid, w.status])).toEqual([[recent, 'silent']]);
  });
});
