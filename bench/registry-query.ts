/**
 * Seeds the registry with N runs × 20 metric keys × 50 steps (server-side generate_series) and prints the
 * p50/p95 latency of `runs query` filters on PostgreSQL and PGlite, against a baseline that answers the
 * same question from the raw metric history (what a store without per-(run, key) summaries must do).
 *
 *   node --import tsx bench/registry-query.ts [--store postgres|pglite|both] [--scale N] [--pglite-scale N] [--steps 50] [--repeat N]
 *
 * PostgreSQL: DATABASE_URL or LEAKPROOF_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * the bench creates its own database there and drops it at the end. Default scale: 100,000 runs on
 * PostgreSQL, 1,000 on PGlite (WebAssembly, in memory: 100M history rows do not fit).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openRegistry, type Registry } from '@leakproof/registry';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    scale: { type: 'string', default: '100000' },
    'pglite-scale': { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '20' },
    steps: { type: 'string', default: '50' },
  },
});
const keys = ['recall', 'precision', 'val_recall', 'val_precision', 'loss', 'val_loss', 'f1', 'auc', 'accuracy', 'specificity', ...Array.from({ length: 10 }, (_, i) => `extra_${i}`)];
// queries read only the per-(run, key) summaries, so their latency does not depend on the history depth;
// --steps trades seeding time (the raw history) for a smaller baseline on slow machines
const steps = Number(args.steps);
const repeat = Number(args.repeat);

const queries: { name: string; filter: string; orderBy?: string }[] = [
  { name: 'last value', filter: 'metrics.recall >= 0.95' },
  { name: 'issue example', filter: "metrics.recall >= 0.95 and (params.model = 'resnet18' or tags.note ~ 'baseline') and not attributes.status = 'failed'" },
  { name: 'max + min aggregates', filter: 'max(metrics.val_recall) > 0.99 and min(metrics.loss) < 0.05' },
  { name: 'params, ordered by metric', filter: 'params.lr < 0.001', orderBy: 'metrics.recall desc' },
  { name: 'or of aggregates', filter: 'last(metrics.precision) > 0.98 or avg(metrics.f1) > 0.9' },
  { name: 'no filter, newest first', filter: '' },
];

async function seed(registry: Registry, runs: number): Promise<void> {
  const db = registry.db;
  const audit = await registry.recordAudit({
    dataset: { name: 'bench', root: '/bench' },
    fingerprint: 'be'.repeat(32),
    verdict: 'pass',
    policy: {},
    policyHash: 'bench',
    report: {},
    toolVersion: 'bench',
    splits: [{ name: 'train', images: 1, patients: 1 }],
  });
  await db.execute(sql`insert into experiments (name) select 'bench-' || g from generate_series(1, 10) g`);
  await db.execute(sql`
    insert into runs (experiment_id, name, audit_id, status, params, model, backend, seed, hostname, created_at, finished_at)
    select e.first_id + g % 10, 'run-' || g, ${audit.id}::int,
           (array['finished','finished','finished','failed'])[1 + g % 4],
           jsonb_build_object('model', (array['cnn','resnet18','resnet34'])[1 + g % 3], 'lr', power(10, -2 - (g % 4))::float8, 'batch', 16 * (1 + g % 4), 'augment', g % 2 = 0),
           (array['cnn','resnet18','resnet34'])[1 + g % 3], 'wasm', g, 'bench',
           now() - g * interval '1 minute', now() - g * interval '1 minute' + interval '30 seconds'
    from generate_series(1, ${runs}::int) g, (select min(id) as first_id from experiments) e`);
  await db.execute(sql`insert into tags (run_id, key, value) select id, 'note', (array['baseline','ablation','sweep'])[1 + id % 3] || ' ' || id from runs where id % 10 = 0`);
  const [{ first, last }] = (await db.execute(sql`select min(id)::int as first, max(id)::int as last from runs`)).rows as { first: number; last: number }[];
  const chunk = 1000;
  const keyList = sql.join(
    keys.map((k) => sql`${k}::text`),
    sql`, `,
  );
  for (let lo = first; lo <= last; lo += chunk) {
    // a saturating learning curve per (run, key): quality q in [0,1) from a hash, value = q * (step+1)/steps
    await db.execute(sql`
      insert into metrics (run_id, key, step, value)
      select r, k.key, s, ((r * 7919 + k.i * 104729) % 1000) / 1000.0 * (0.6 + 0.4 * (s + 1) / ${steps}::float8)
      from generate_series(${lo}::int, ${Math.min(lo + chunk - 1, last)}::int) r,
           unnest(array[${keyList}]) with ordinality k(key, i),
           generate_series(0, ${steps - 1}::int) s`);
    if (((lo - first) / chunk) % 10 === 9) process.stderr.write(`  seeded ${lo + chunk - first} runs\n`);
  }
  await db.execute(sql`vacuum analyze`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function time(fn: () => Promise<unknown>): Promise<{ p50: number; p95: number; rows: number }> {
  let rows = 0;
  for (let i = 0; i < 2; i++) await fn(); // warm caches and plans
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const out = await fn();
    samples.push(performance.now() - t0);
    rows = Array.isArray(out) ? out.length : rows;
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95), rows };
}

async function measure(registry: Registry, label: string, runs: number): Promise<void> {
  const t0 = performance.now();
  await seed(registry, runs);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`\n${label}: ${runs.toLocaleString()} runs × ${keys.length} keys × ${steps} steps = ${(runs * keys.length * steps).toLocaleString()} metric rows (seeded in ${seedSeconds.toFixed(1)} s)`);
  console.log(`${'query'.padEnd(30)} ${'p50 ms'.padStart(9)} ${'p95 ms'.padStart(9)} ${'rows'.padStart(6)}`);
  let summaryP50 = 0;
  for (const q of queries) {
    const r = await time(() => registry.queryRuns(q.filter, { orderBy: q.orderBy, limit: 100 }));
    if (q.name === 'max + min aggregates') summaryP50 = r.p50;
    console.log(`${q.name.padEnd(30)} ${r.p50.toFixed(1).padStart(9)} ${r.p95.toFixed(1).padStart(9)} ${String(r.rows).padStart(6)}`);
  }
  // baseline: the same aggregate question answered from the raw history, once
  const b0 = performance.now();
  await registry.db.execute(sql`
    select run_id from metrics where key in ('val_recall', 'loss') group by run_id
    having max(value) filter (where key = 'val_recall') > 0.99 and min(value) filter (where key = 'loss') < 0.05 limit 100`);
  const baseline = performance.now() - b0;
  console.log(`${'baseline: raw-history scan'.padEnd(30)} ${baseline.toFixed(1).padStart(9)} ${''.padStart(9)}   (max + min aggregates via summaries is ${(baseline / summaryP50).toFixed(0)}× faster)`);
}

async function benchPostgres(runs: number): Promise<void> {
  const adminUrl = process.env['DATABASE_URL'] ?? process.env['LEAKPROOF_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`\nPostgreSQL: skipped, cannot connect to ${adminUrl.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message})`);
    return;
  }
  const name = `lp_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let registry: Registry | undefined;
  try {
    registry = await openRegistry({ databaseUrl: url.toString() });
    await registry.db.execute(sql`set synchronous_commit = off`);
    await measure(registry, 'PostgreSQL', runs);
  } finally {
    await registry?.close();
    await new Promise((done) => setTimeout(done, 200));
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

async function benchPglite(runs: number): Promise<void> {
  const registry = await openRegistry({});
  try {
    await measure(registry, 'PGlite (in memory)', runs);
  } finally {
    await registry.close();
  }
}

if (args.store === 'postgres' || args.store === 'both') await benchPostgres(Number(args.scale));
if (args.store === 'pglite' || args.store === 'both') await benchPglite(Number(args['pglite-scale']));
