/**
 * Seeds the registry with N runs × 20 metric keys × 50 steps (server-side generate_series) and prints the
 * p50/p95 latency of `runs query` filters on PostgreSQL and PGlite, against a baseline that answers the
 * same question from the raw metric history (what a store without per-(run, key) summaries must do).
 *
 *   node --import tsx bench/registry-query.ts [--store postgres|pglite|both] [--scale N] [--pglite-scale N] [--steps 50] [--repeat N]
 *     [--trigger-sample 500] [--keep] [--long-and 8,64,256,1000] [--old-cap 128] [--old-cap-pglite 32] [--old-timeout-s 30]
 *
 * Then long AND chains of metric comparisons: planning and execution time (EXPLAIN ANALYZE) of the pivot the
 * registry compiles them to, against the per-term semi-join shape every filter had before (capped at --old-cap
 * terms and cut at --old-timeout-s on PostgreSQL; PGlite cannot time a statement out, so it stops at --old-cap-pglite).
 *
 * PostgreSQL: DATABASE_URL or LEAKPROOF_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * the bench creates its own database there and drops it at the end. Default scale: 100,000 runs on
 * PostgreSQL, 1,000 on PGlite (WebAssembly, in memory: 100M history rows do not fit).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { compileFilter, compileOrder, parseFilter, type FilterStrategy, type Registry, openRegistry } from '@leakproof/registry';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    scale: { type: 'string', default: '100000' },
    'pglite-scale': { type: 'string', default: '1000' },
    repeat: { type: 'string', default: '20' },
    steps: { type: 'string', default: '50' },
    'trigger-sample': { type: 'string', default: '500' },
    keep: { type: 'boolean', default: false },
    'long-and': { type: 'string', default: '8,64,256,1000' },
    'old-cap': { type: 'string', default: '128' },
    'old-cap-pglite': { type: 'string', default: '32' },
    'old-timeout-s': { type: 'string', default: '30' },
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

/**
 * History of runs lo..hi: a saturating learning curve per (run, key), quality q in [0,1) from a hash and
 * value ≈ q * (0.6 + 0.4 * (step+1)/steps). Values are multiples of 2^-20, so every sum of 50 of them is exact in
 * float8 whatever the summation order, and bulk-built summaries can be compared with the trigger's for equality.
 * ids are given (run-major, then key, then step) so the bulk load needs no sequence call per row.
 */
function historyInsert(lo: number, hi: number, keyList: SQL, idBase: number): SQL {
  return sql`
    insert into metrics (id, run_id, key, step, value) overriding system value
    select ${idBase}::bigint + ((r - ${lo}::int)::bigint * ${keys.length}::int + (k.i - 1)) * ${steps}::int + s, r, k.key, s,
           ceil(((r * 7919 + k.i * 104729) % 1000)::float8 * (600 + 400 * (s + 1)::float8 / ${steps}::int) * 1.048576) / 1048576
    from generate_series(${lo}::int, ${hi}::int) r,
         unnest(array[${keyList}]) with ordinality k(key, i),
         generate_series(0, ${steps - 1}::int) s`;
}

/** The per-(run, key) aggregate exactly as lp_metric_summaries_refresh (migrations/0003) computes it from new rows. */
function summariesOf(where: SQL): SQL {
  return sql`
    select run_id, key, count(*) as count, sum(value) as sum, min(value) as min_value, max(value) as max_value,
           (array_agg(step order by step desc, id desc))[1] as last_step,
           (array_agg(value order by step desc, id desc))[1] as last_value
    from metrics where ${where} group by run_id, key`;
}

const log = (line: string): void => void process.stderr.write(`  ${line}\n`);

/**
 * Runs and tags go through the normal triggers. The history of the first `sampleRuns` runs goes through the
 * summary trigger (the path every real logger takes); the rest is bulk-loaded with the trigger disabled inside one
 * transaction and summarised by one GROUP BY, then checked against the trigger's output on the sample.
 */
async function seed(registry: Registry, runs: number): Promise<{ seconds: number; sampleRuns: number }> {
  const t0 = performance.now();
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
  const keyList = sql.join(
    keys.map((k) => sql`${k}::text`),
    sql`, `,
  );
  const sampleLast = Math.min(last, first + Number(args['trigger-sample']) - 1);
  const perRun = keys.length * steps;
  for (let lo = first; lo <= sampleLast; lo += 100) await db.execute(historyInsert(lo, Math.min(lo + 99, sampleLast), keyList, (lo - first) * perRun + 1));
  log(`${sampleLast - first + 1} runs' history logged through the summary trigger (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (sampleLast < last) {
    await db.transaction(async (tx) => {
      // Transactional DDL: no other session ever sees the trigger or indexes missing. Dropping (not disabling) the
      // trigger stops transition-table capture; indexes are rebuilt once after the load instead of row by row.
      // Definitions are read back from the catalog, so what is restored is exactly what the migrations made.
      const defs = (await tx.execute(sql`
        select 'trigger' as kind, tgname as name, pg_get_triggerdef(t.oid) as def from pg_trigger t
          where tgrelid = 'metrics'::regclass and tgname = 'metrics_summarise'
        union all
        select 'constraint', conname, pg_get_constraintdef(c.oid) from pg_constraint c where conrelid = 'metrics'::regclass and contype = 'p'
        union all
        select 'index', indexname, indexdef from pg_indexes i
          where tablename = 'metrics' and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`)).rows as { kind: string; name: string; def: string }[];
      for (const d of defs) {
        const drop = d.kind === 'trigger' ? `drop trigger ${d.name} on metrics` : d.kind === 'constraint' ? `alter table metrics drop constraint ${d.name}` : `drop index ${d.name}`;
        await tx.execute(sql.raw(drop));
      }
      await tx.execute(sql`alter table metric_summaries disable trigger metric_summaries_derived`);
      const chunk = 10_000;
      for (let lo = sampleLast + 1; lo <= last; lo += chunk) {
        await tx.execute(historyInsert(lo, Math.min(lo + chunk - 1, last), keyList, (lo - first) * perRun + 1));
        log(`history of ${Math.min(lo + chunk - 1, last) - first + 1} runs (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      }
      await tx.execute(sql`set local maintenance_work_mem = '1GB'`);
      for (const d of defs) await tx.execute(sql.raw(d.kind === 'constraint' ? `alter table metrics add constraint ${d.name} ${d.def}` : d.def));
      await tx.execute(sql`select setval(pg_get_serial_sequence('metrics', 'id'), (select max(id) from metrics))`);
      log(`metrics indexes and trigger restored (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      // the (key, value, run_id) filter indexes too: 2M random-order insertions cost more than four sorted builds
      const summaryIndexes = (await tx.execute(sql`select indexname as name, indexdef as def from pg_indexes i
          where tablename = 'metric_summaries' and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`)).rows as { name: string; def: string }[];
      for (const d of summaryIndexes) await tx.execute(sql.raw(`drop index ${d.name}`));
      await tx.execute(sql`set local work_mem = '512MB'`);
      await tx.execute(sql`insert into metric_summaries (run_id, key, count, sum, min_value, max_value, last_step, last_value)
                           ${summariesOf(sql`run_id > ${sampleLast}::int`)}`);
      for (const d of summaryIndexes) await tx.execute(sql.raw(d.def));
      log(`summaries built in one statement, their indexes rebuilt (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      await tx.execute(sql`alter table metric_summaries enable trigger metric_summaries_derived`);
    });
  }
  // the bulk aggregate must reproduce, column for column, what the trigger wrote for the sample
  const diff = sql`(select run_id, key, count, sum, min_value, max_value, last_step, last_value from metric_summaries where run_id <= ${sampleLast}::int
                    except all ${summariesOf(sql`run_id <= ${sampleLast}::int`)})
                   union all
                   (${summariesOf(sql`run_id <= ${sampleLast}::int`)}
                    except all select run_id, key, count, sum, min_value, max_value, last_step, last_value from metric_summaries where run_id <= ${sampleLast}::int)`;
  const [{ n }] = (await db.execute(sql`select count(*)::int as n from (${diff}) d`)).rows as { n: number }[];
  if (n !== 0) throw new Error(`bulk-built summaries differ from the trigger's on ${n} sample rows`);
  const [{ total }] = (await db.execute(sql`select count(*)::int as total from metric_summaries`)).rows as { total: number }[];
  if (total !== (last - first + 1) * keys.length) throw new Error(`expected ${(last - first + 1) * keys.length} summaries, found ${total}`);
  log(`bulk summaries equal the trigger's on the ${sampleLast - first + 1}-run sample; vacuum analyze`);
  await db.execute(sql`vacuum analyze`);
  return { seconds: (performance.now() - t0) / 1000, sampleRuns: sampleLast - first + 1 };
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
  const seeded = await seed(registry, runs);
  console.log(
    `\n${label}: ${runs.toLocaleString()} runs × ${keys.length} keys × ${steps} steps = ${(runs * keys.length * steps).toLocaleString()} metric rows ` +
      `(seeded in ${seeded.seconds.toFixed(1)} s; ${seeded.sampleRuns} runs through the summary trigger, the rest bulk-summarised and checked equal)`,
  );
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
  await measureLongAnd(registry);
}

/** n comparisons over the 20 keys; thresholds near the top of the value range, so few runs pass all of them */
function longAnd(n: number): string {
  return Array.from({ length: n }, (_, i) => `metrics.${keys[i % keys.length]} > ${(0.3 + (i % 10) / 100).toFixed(2)}`).join(' and ');
}

interface Explained {
  planMs: number;
  execMs: number;
  rows: number;
}

/** EXPLAIN ANALYZE of the id query queryRuns sends (first page, newest first), under a statement timeout. */
async function explain(registry: Registry, filter: string, strategy: FilterStrategy, timeoutS: number): Promise<Explained | 'timeout'> {
  const compiled = compileFilter(parseFilter(filter), { strategy });
  const order = compileOrder([]);
  const query = sql`explain (analyze, summary, format json)
    select r.id from runs r join experiments e on e.id = r.experiment_id ${compiled.joins} ${order.joins}
    where not r.archived and ${compiled.where} order by ${order.orderBy} limit 100`;
  try {
    return await registry.db.transaction(async (tx) => {
      if (registry.kind === 'postgres') await tx.execute(sql.raw(`set local statement_timeout = '${timeoutS}s'`));
      const [row] = (await tx.execute(query)).rows as Record<string, unknown>[];
      const raw = (row as Record<string, unknown>)['QUERY PLAN'];
      const [plan] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { 'Planning Time': number; 'Execution Time': number; Plan: { 'Actual Rows': number } }[];
      return { planMs: plan!['Planning Time'], execMs: plan!['Execution Time'], rows: plan!.Plan['Actual Rows'] };
    });
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === '57014' || (error as { code?: string }).code === '57014') return 'timeout';
    throw error;
  }
}

async function measureLongAnd(registry: Registry): Promise<void> {
  const sizes = String(args['long-and']).split(',').map(Number).filter((n) => n > 0);
  const oldCap = Number(registry.kind === 'postgres' ? args['old-cap'] : args['old-cap-pglite']);
  const timeoutS = Number(args['old-timeout-s']);
  const oldSizes = [...new Set([...sizes.filter((n) => n <= oldCap), ...(sizes.some((n) => n > oldCap) ? [oldCap] : [])])].sort((a, b) => a - b);
  console.log(`\nlong AND chains of metrics.* comparisons (EXPLAIN ANALYZE, median of 3; old shape: one run, cut at ${registry.kind === 'postgres' ? `${timeoutS} s` : `${oldCap} terms`})`);
  console.log(`${'terms'.padStart(6)} ${'pivot plan ms'.padStart(14)} ${'exec ms'.padStart(9)} ${'wall ms'.padStart(9)} ${'rows'.padStart(5)}   ${'old plan ms'.padStart(12)} ${'exec ms'.padStart(9)}`);
  for (const n of [...new Set([...sizes, ...oldSizes])].sort((a, b) => a - b)) {
    const filter = longAnd(n);
    let pivot: Explained | undefined;
    let wall = 0;
    if (sizes.includes(n)) {
      const samples: Explained[] = [];
      for (let i = 0; i < 3; i++) samples.push((await explain(registry, filter, 'pivot', 600)) as Explained);
      samples.sort((a, b) => a.planMs + a.execMs - (b.planMs + b.execMs));
      pivot = samples[1];
      const w = await time(() => registry.queryRuns(filter, { limit: 100 }));
      wall = w.p50;
    }
    const old = oldSizes.includes(n) ? await explain(registry, filter, 'subqueries', timeoutS) : undefined;
    const oldText = old === undefined ? ''.padStart(22) : old === 'timeout' ? `> ${timeoutS * 1000} (timeout)`.padStart(22) : `${old.planMs.toFixed(1).padStart(12)} ${old.execMs.toFixed(1).padStart(9)}`;
    const pivotText = pivot ? `${pivot.planMs.toFixed(1).padStart(14)} ${pivot.execMs.toFixed(1).padStart(9)} ${wall.toFixed(1).padStart(9)} ${String(pivot.rows).padStart(5)}` : ''.padStart(40);
    console.log(`${String(n).padStart(6)} ${pivotText}   ${oldText}`);
  }
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
    // seeding 100,000 runs takes longer than the default statement timeout
    registry = await openRegistry({ databaseUrl: url.toString(), statementTimeoutMs: 0 });
    await registry.db.execute(sql`set synchronous_commit = off`);
    await measure(registry, 'PostgreSQL', runs);
  } finally {
    await registry?.close();
    await new Promise((done) => setTimeout(done, 200));
    if (args.keep) console.log(`kept database ${name} (--keep); drop it with: drop database ${name}`);
    else await admin.query(`drop database if exists ${name} with (force)`);
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
