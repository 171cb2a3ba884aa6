/**
 * Logging throughput and read latency through `leakproof server` on PostgreSQL, printed next to the
 * single-process direct path (Registry.logMetrics / Registry.queryRuns in this process) measured in the same run.
 *
 *   node --import tsx bench/server-logging.ts [--batches 20] [--batch-size 1000] [--clients 8] [--keep]
 *
 * PostgreSQL: DATABASE_URL or LEAKPROOF_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres); the
 * bench creates its own database and drops it at the end. The server runs as its own process (`leakproof server
 * --port 0` with DATABASE_URL), as a tracking server would; clients send MLflow `runs/log-batch` requests
 * (protobuf-JSON shapes: int64 as strings) of --batch-size metrics (MLflow's limit is 1000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openRegistry, type Registry } from '@leakproof/registry';

const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '20' },
    'batch-size': { type: 'string', default: '1000' },
    clients: { type: 'string', default: '8' },
    keep: { type: 'boolean', default: false },
  },
});
const batches = Number(args.batches);
const batchSize = Number(args['batch-size']);
const concurrent = Number(args.clients);
const baseUrl = process.env['DATABASE_URL'] ?? process.env['LEAKPROOF_BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const cliBin = fileURLToPath(new URL('../apps/cli/bin/leakproof.js', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

function batchOf(b: number): { key: string; value: number; step: number }[] {
  return Array.from({ length: batchSize }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(b * batchSize + i), step: b * Math.ceil(batchSize / 10) + Math.floor(i / 10) }));
}

interface Path {
  name: string;
  newRun(): Promise<string>;
  logBatch(runId: string, b: number): Promise<void>;
  search(): Promise<void>;
}

function directPath(registry: Registry, auditId: number): Path {
  return {
    name: 'direct (Registry in-process)',
    newRun: async () => String((await registry.createRun({ experiment: 'bench-direct', name: 'r', auditId })).id),
    logBatch: (runId, b) => registry.logMetrics(Number(runId), batchOf(b)),
    search: async () => void (await registry.queryRuns("metrics.m0 >= -1 and attributes.experiment = 'bench-direct'", { limit: 100 })),
  };
}

function serverPath(url: string, auditId: number, experimentId: string): Path {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  return {
    name: 'leakproof server (MLflow REST)',
    newRun: async () => {
      const created = (await post('runs/create', { experiment_id: experimentId, start_time: String(Date.now()), tags: [{ key: 'leakproof.audit', value: String(auditId) }] })) as { run: { info: { run_id: string } } };
      return created.run.info.run_id;
    },
    logBatch: async (runId, b) => {
      const now = String(Date.now());
      await post('runs/log-batch', { run_id: runId, metrics: batchOf(b).map((m) => ({ ...m, step: String(m.step), timestamp: now })) });
    },
    search: async () => void (await post('runs/search', { experiment_ids: [experimentId], filter: 'metrics.m0 >= -1', max_results: 100 })),
  };
}

/** `clients` writers of `batches` batches each, with one reader measuring search latency meanwhile. */
async function measure(path: Path, clients: number): Promise<{ metricsPerSecond: number; p50: number; p95: number; reads: number }> {
  const runs = await Promise.all(Array.from({ length: clients }, () => path.newRun()));
  let writing = true;
  const latencies: number[] = [];
  const reader = (async () => {
    while (writing) {
      const t = performance.now();
      await path.search();
      latencies.push(performance.now() - t);
    }
  })();
  const started = performance.now();
  await Promise.all(
    runs.map(async (runId) => {
      for (let b = 0; b < batches; b++) await path.logBatch(runId, b);
    }),
  ).finally(() => (writing = false));
  const seconds = (performance.now() - started) / 1000;
  await reader;
  return { metricsPerSecond: (clients * batches * batchSize) / seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95), reads: latencies.length };
}

async function startServerProcess(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cliBin, 'server', '--port', '0'], { env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', () => reject(new Error(`server exited: ${stderr}`)));
  });
  return { url, child };
}

async function main(): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  const database = `lp_bench_srv_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${database}`);
  const u = new URL(baseUrl);
  u.pathname = `/${database}`;
  const databaseUrl = u.toString();
  const registry = await openRegistry({ databaseUrl });
  let server: { url: string; child: ChildProcess } | undefined;
  try {
    const audit = await registry.recordAudit({ dataset: { name: 'bench', root: '/bench' }, fingerprint: 'ab'.repeat(32), verdict: 'pass', policy: {}, policyHash: 'p', report: {}, toolVersion: 'bench', splits: [{ name: 'train', images: 1, patients: 1 }] });
    const experimentId = String((await registry.getOrCreateExperiment('bench-server')).id);
    server = await startServerProcess(databaseUrl);
    log(`PostgreSQL database ${database}; server at ${server.url} (own process); ${batches} batches × ${batchSize} metrics per client`);
    const rows: string[][] = [];
    for (const clients of [1, concurrent]) {
      for (const path of [directPath(registry, audit.id), serverPath(server.url, audit.id, experimentId)]) {
        const r = await measure(path, clients);
        log(`${path.name}, ${clients} client(s): ${Math.round(r.metricsPerSecond)} metrics/s, search p50 ${r.p50.toFixed(1)} ms p95 ${r.p95.toFixed(1)} ms (${r.reads} reads)`);
        rows.push([path.name, String(clients), String(Math.round(r.metricsPerSecond)), r.p50.toFixed(1), r.p95.toFixed(1), String(r.reads)]);
      }
    }
    const header = ['path', 'writers', 'metrics/s', 'search p50 ms', 'search p95 ms', 'reads'];
    console.log(`| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}`);
  } finally {
    server?.child.kill('SIGTERM');
    if (server) await new Promise((done) => server?.child.on('close', done));
    await registry.close();
    if (!args.keep) await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
  }
}

await main();
