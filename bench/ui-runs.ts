/**
 * The dashboard's runs page at scale: seeds N runs (10 experiments, params, tags, 5 metric keys logged through the
 * summary trigger) and prints p50/p95 of the runs page API (`/api/ui/runs`, first page and filtered pages) against
 * the same query answered in-process by `registry.queryRuns` (what `leakproof runs query` runs) and by the CLI as a
 * process, measured in the same run; then the first page load of the app in Chromium (bundle transfer + first
 * render of the table, cold cache).
 *
 *   node --import tsx bench/ui-runs.ts [--store postgres|pglite|both] [--scale 100000] [--pglite-scale 100000] [--repeat 20]
 *
 * PostgreSQL: LEAKPROOF_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres); the bench creates its
 * own database and drops it at the end. PGlite: in memory.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { openRegistry, type Registry } from '@leakproof/registry';
import { startServer } from '@leakproof/server';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'both' },
    scale: { type: 'string', default: '100000' },
    'pglite-scale': { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '20' },
  },
});
const repeat = Number(args.repeat);
const keys = ['recall', 'precision', 'loss', 'f1', 'auc'];
const log = (line: string) => void process.stderr.write(`  ${line}\n`);

async function seed(registry: Registry, runs: number): Promise<number> {
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
    select e.first_id + g % 10, 'run-' || g, ${audit.id}::int, (array['finished','finished','finished','failed'])[1 + g % 4],
           jsonb_build_object('model', (array['cnn','resnet18','resnet34'])[1 + g % 3], 'lr', power(10, -2 - (g % 4))::float8, 'batch', 16 * (1 + g % 4)),
           (array['cnn','resnet18','resnet34'])[1 + g % 3], 'wasm', g, 'bench', now() - g * interval '1 minute', now() - g * interval '1 minute' + interval '30 seconds'
    from generate_series(1, ${runs}::int) g, (select min(id) as first_id from experiments) e`);
  await db.execute(sql`insert into tags (run_id, key, value) select id, 'note', (array['baseline','ablation','sweep'])[1 + id % 3] || ' ' || id from runs where id % 10 = 0`);
  const keyList = sql.join(
    keys.map((k) => sql`${k}::text`),
    sql`, `,
  );
  // one step per key, through the summary trigger (the path every logger takes), 5,000 runs a statement
  const { rows } = (await db.execute(sql`select min(id)::int as first, max(id)::int as last from runs`)) as unknown as { rows: { first: number; last: number }[] };
  const { first, last } = rows[0] as { first: number; last: number };
  for (let lo = first; lo <= last; lo += 5000) {
    await db.execute(sql`insert into metrics (run_id, key, step, value)
      select r, k.key, 0, ((r * 7919 + k.i * 104729) % 1000)::float8 / 1000
      from generate_series(${lo}::int, ${Math.min(lo + 4999, last)}::int) r, unnest(array[${keyList}]) with ordinality k(key, i)`);
  }
  await db.execute(sql`vacuum analyze`);
  const seconds = (performance.now() - t0) / 1000;
  log(`seeded ${runs} runs × ${keys.length} keys in ${seconds.toFixed(1)} s`);
  return seconds;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;

async function time(fn: () => Promise<unknown>, n = repeat): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 2; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95) };
}

const cases = [
  { name: 'first page, newest first', query: {}, filter: '', order: '' },
  { name: 'filter + metric order', query: { filter: 'metrics.recall >= 0.95', order: 'metrics.recall desc' }, filter: 'metrics.recall >= 0.95', order: 'metrics.recall desc' },
  { name: 'filter, page 3', query: { filter: "params.model = 'resnet18'", page: '2' }, filter: "params.model = 'resnet18'", order: '' },
  { name: 'facets + filter', query: { filter: 'metrics.loss < 0.5', experiment: 'bench-3', status: 'finished' }, filter: "(metrics.loss < 0.5) and attributes.experiment = 'bench-3' and attributes.status = 'finished'", order: '' },
];

async function benchStore(label: string, registry: Registry, runs: number, databaseUrl?: string): Promise<void> {
  await seed(registry, runs);
  const cwd = await mkdtemp(join(tmpdir(), 'leakproof-ui-bench-'));
  const server = await startServer({ registry, cwd, host: '127.0.0.1', port: 0 });
  try {
    console.log(`\n${label}: ${runs} runs (p50 / p95 ms over ${repeat} requests; page size 50)`);
    console.log(`${'query'.padEnd(28)} ${'API p50'.padStart(8)} ${'API p95'.padStart(8)} ${'in-proc p50'.padStart(12)} ${'in-proc p95'.padStart(12)}`);
    for (const c of cases) {
      const url = `${server.url}/api/ui/runs?${new URLSearchParams(c.query as Record<string, string>).toString()}`;
      const api = await time(async () => {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
        return res.json();
      });
      const page = Number((c.query as { page?: string }).page ?? 0);
      const direct = await time(() => registry.queryRuns(c.filter, { orderBy: c.order, limit: (page + 1) * 50 + 1 }));
      console.log(`${c.name.padEnd(28)} ${api.p50.toFixed(1).padStart(8)} ${api.p95.toFixed(1).padStart(8)} ${direct.p50.toFixed(1).padStart(12)} ${direct.p95.toFixed(1).padStart(12)}`);
    }
    if (databaseUrl) {
      // the CLI as a user runs it: a process per query (startup included), 3 times
      const exec = promisify(execFile);
      const cli = await time(() => exec(process.execPath, ['apps/cli/bin/leakproof.js', 'runs', 'query', 'metrics.recall >= 0.95', '--order-by', 'metrics.recall desc', '--limit', '50', '--format', 'json'], { env: { ...process.env, DATABASE_URL: databaseUrl }, maxBuffer: 64 << 20 }), 3);
      console.log(`${'CLI runs query (process)'.padEnd(28)} ${cli.p50.toFixed(0).padStart(8)} ${cli.p95.toFixed(0).padStart(8)}   (filter + metric order; tsx startup included)`);
    }
    await firstLoad(server.url);
  } finally {
    await server.close();
    await rm(cwd, { recursive: true, force: true });
  }
}

/** Navigation to /runs until the table's first row is visible, fresh browser context (cold cache) each time. */
async function firstLoad(url: string): Promise<void> {
  if (!existsSync('/usr/bin/chromium')) return log('no /usr/bin/chromium: first-load timing skipped');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    let bytes = 0;
    const samples: number[] = [];
    for (let i = 0; i < 7; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      let transferred = 0;
      page.on('response', (r) => void r.body().then((b) => (transferred += b.length), () => undefined));
      const t0 = performance.now();
      await page.goto(`${url}/runs`);
      await page.locator('table.runs tbody tr').first().waitFor();
      if (i >= 2) samples.push(performance.now() - t0);
      bytes = transferred;
      await context.close();
    }
    samples.sort((a, b) => a - b);
    console.log(`first page load in Chromium (cold cache, until the first row shows): p50 ${percentile(samples, 0.5).toFixed(0)} ms, max ${samples.at(-1)?.toFixed(0)} ms; ${(bytes / 1024).toFixed(0)} kB transferred`);
  } finally {
    await browser.close();
  }
}

if (args.store === 'postgres' || args.store === 'both') {
  const adminUrl = process.env['LEAKPROOF_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `lp_ui_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
    const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${name}`);
    const registry = await openRegistry({ databaseUrl });
    try {
      await benchStore('PostgreSQL', registry, Number(args.scale), databaseUrl);
    } finally {
      await registry.close();
      await admin.query(`drop database ${name}`);
    }
  } catch (error) {
    console.log(`PostgreSQL: skipped or failed (${(error as Error).message})`);
  } finally {
    await admin.end();
  }
}
if (args.store === 'pglite' || args.store === 'both') {
  const registry = await openRegistry();
  try {
    await benchStore('PGlite (in memory)', registry, Number(args['pglite-scale']));
  } finally {
    await registry.close();
  }
}
