// Distributed audit throughput: the same synthetic set (≥ 20,000 small images from tools/synth, generated once
// into /tmp and reused) audited by the single-process audit (baseline, same run) and by 1, 2 and 4
// `leakproof worker` processes through the PostgreSQL job queue; prints images/s, the ratio to the baseline,
// per-job overhead and checks every report is identical to the baseline's.
// Run: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx bench/distributed.ts [--images 20000] [--shard-size 500] [--workers 1,2,4] [--concurrency N]
//      … bench/distributed.ts --hash-only   (near and label-conflict checks off: no verification phase)
//      … bench/distributed.ts --queue-only   (raw pg-boss round trips: insert, fetch + complete of empty jobs)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { auditManifest, defaultPolicy, type AuditReport } from '@leakproof/audit';
import { buildManifest } from '@leakproof/ingest';
import { codeVersion, connectQueue, distributedAudit, queueName, queueSettingsSchema } from '@leakproof/queue';
import { generateSyntheticDataset } from '@leakproof/synth';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => (args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback);
const images = Number(arg('--images', '20000'));
const shardSize = Number(arg('--shard-size', '500'));
const workerCounts = arg('--workers', '1,2,4').split(',').map(Number);
// lanes per queue in each worker process; absent: the worker's default (2 per audit queue)
const concurrency = arg('--concurrency', '');
const adminUrl = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const cli = join(import.meta.dirname, '../apps/cli/bin/leakproof.js');
const root = `/tmp/leakproof-bench-distributed-${images}`;
const settings = queueSettingsSchema.parse({ pollSeconds: 0.5, heartbeatSeconds: 1 });
// On this synthetic set verification dominates (85,349 candidates for 20,009 images: ~90% of a full audit);
// --hash-only measures the hash phase alone, which is what one machine cannot keep up with on large sets.
const policy = args.includes('--hash-only') ? { ...defaultPolicy, checks: { ...defaultPolicy.checks, near: 'off' as const, 'label-conflict': 'off' as const } } : defaultPolicy;

async function sql(url: string, text: string, values: unknown[] = []): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, values)).rows;
  } finally {
    await c.end();
  }
}

function comparable(r: AuditReport): string {
  const { timings: _t, createdAt: _c, ...rest } = r;
  return JSON.stringify(rest);
}

if (args.includes('--queue-only')) {
  await queueRoundTrips();
  process.exit(0);
}

/** The queue's own cost per job, without any work: what bounds throughput when shards get tiny. */
async function queueRoundTrips(): Promise<void> {
  const db = `lpq_bench_queue_${process.pid}`;
  await sql(adminUrl, `create database ${db}`);
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  const q = await connectQueue(url.toString(), { settings, version: codeVersion() });
  const name = queueName('audit-hash', codeVersion());
  const jobs = 2000;
  let t = performance.now();
  for (let i = 0; i < jobs; i += 500) await q.boss.insert(Array.from({ length: 500 }, (_, k) => ({ name, data: { i: i + k } })));
  const insertMs = performance.now() - t;
  t = performance.now();
  let done = 0;
  const lane = async (): Promise<void> => {
    for (;;) {
      const [job] = await q.boss.fetch(name, { batchSize: 1 });
      if (!job) return;
      await q.boss.complete(name, job.id);
      done++;
    }
  };
  await Promise.all([lane(), lane(), lane()]);
  const cycleMs = performance.now() - t;
  console.log(`queue round trips: insert ${((insertMs * 1000) / jobs).toFixed(0)} µs/job (batches of 500); fetch + complete ${(cycleMs / done).toFixed(1)} ms/job with 3 lanes in one process = ${((done * 1000) / cycleMs).toFixed(0)} jobs/s`);
  await q.close();
  await sql(adminUrl, `drop database ${db} with (force)`);
}

if (!existsSync(`${root}.complete`)) {
  console.log(`generating ${images} images into ${root} (once) …`);
  await rm(root, { recursive: true, force: true });
  await generateSyntheticDataset(root, { seed: 11, patients: Math.ceil(images / 3), imagesPerPatient: 3, size: 64, leaks: 'all' });
  await writeFile(`${root}.complete`, new Date().toISOString());
}
const manifest = await buildManifest(root, {});
const n = manifest.images.length;
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');
const bytes = manifest.images.reduce((sum, r) => sum + r.size, 0);
console.log(`${n} images (${(bytes / 1e6).toFixed(1)} MB) in ${root}; shard size ${shardSize}; worker lanes per queue ${concurrency || 'default (hash 1, verify 2)'}; load average ${load()}`);

let t = performance.now();
const baseline = await auditManifest(manifest, { policy, cacheDir: null });
const baseSeconds = (performance.now() - t) / 1000;
console.log(`single process (baseline): ${baseSeconds.toFixed(1)} s, ${(n / baseSeconds).toFixed(0)} img/s (hash ${baseline.timings.hashMs} ms, candidates ${baseline.timings.indexMs} ms, verify ${baseline.timings.verifyMs} ms of ${baseline.info.nearCandidates} candidates); load average ${load()}`);

const rows: string[] = [];
for (const count of workerCounts) {
  const db = `lpq_bench_${process.pid}_${count}`;
  await sql(adminUrl, `create database ${db}`);
  const url = new URL(adminUrl);
  url.pathname = `/${db}`;
  const env = { ...process.env, DATABASE_URL: url.toString(), LEAKPROOF_QUEUE_POLL_SECONDS: '0.5', LEAKPROOF_QUEUE_HEARTBEAT_SECONDS: '1' };
  // migrations and pg-boss schema first, so worker start-up is not timed as audit work
  await (await connectQueue(url.toString(), { settings, version: codeVersion() })).close();
  const workers = Array.from({ length: count }, () => spawn(process.execPath, [cli, 'worker', '--queues', 'audit', ...(concurrency ? ['--concurrency', concurrency] : [])], { env, stdio: ['ignore', 'ignore', 'inherit'] }));
  for (const w of workers) w.on('exit', (code) => code !== 0 && code !== null && console.error(`a worker exited with code ${code}`));
  while (Number((await sql(url.toString(), 'select count(*) as n from queue_workers where stopped_at is null'))[0]?.n) < count) await new Promise((r) => setTimeout(r, 200));
  t = performance.now();
  const report = await distributedAudit(manifest, { databaseUrl: url.toString(), version: codeVersion(), settings, policy, shardSize });
  const seconds = (performance.now() - t) / 1000;
  const [stats] = await sql(
    url.toString(),
    `select count(*) as jobs, sum(extract(epoch from completed_on - started_on)) as busy,
            (select count(*) - 1 from pg_stat_activity where datname = current_database()) as connections,
            (select avg(pg_column_size(outcome)) from audit_hashes) as hash_row_bytes,
            (select avg(length(outcome->>'view')) from audit_hashes) as view_chars
       from pgboss.job where state = 'completed' and name like 'leakproof-audit-%'`,
  );
  const jobs = Number(stats?.['jobs']);
  const busy = Number(stats?.['busy']);
  const identical = comparable(report) === comparable(baseline);
  // one worker does the baseline's work plus the queue's: the difference per job is the queue's overhead
  const overhead = count === 1 ? `; overhead vs baseline ${(((seconds - baseSeconds) * 1000) / Math.max(1, jobs)).toFixed(0)} ms/job` : '';
  const line =
    `${count} worker(s): ${seconds.toFixed(1)} s, ${(n / seconds).toFixed(0)} img/s = ${(baseSeconds / seconds).toFixed(2)}× baseline; ${jobs} jobs ` +
    `(hash phase ${report.timings.hashMs} ms, candidates ${report.timings.indexMs} ms, verify phase ${report.timings.verifyMs} ms; jobs running ${busy.toFixed(1)} s in all)${overhead}; ` +
    `report identical: ${identical}; workers hold ${stats?.['connections']} PostgreSQL connections; hash row ${Number(stats?.['hash_row_bytes']).toFixed(0)} B (view ${Number(stats?.['view_chars']).toFixed(0)} chars); load average ${load()}`;
  console.log(line);
  rows.push(line);
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.on('exit', r)))));
  await sql(adminUrl, `drop database ${db} with (force)`);
}
console.log(`\nsummary (${n} images, baseline ${(n / baseSeconds).toFixed(0)} img/s):\n${rows.join('\n')}`);
