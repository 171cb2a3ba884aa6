import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { AuditReport } from '@leakproof/audit';
import { queueSettingsSchema, type QueueSettings } from '@leakproof/queue';

/** PostgreSQL for the multi-process tests: LEAKPROOF_TEST_DATABASE_URL names the server; each test gets its own database. */
export const adminUrl = process.env['LEAKPROOF_TEST_DATABASE_URL'];

const cliBin = fileURLToPath(new URL('../../apps/cli/bin/leakproof.js', import.meta.url));

/** Short leases and polls so retries happen in seconds (production defaults are minutes). */
export const testSettings: QueueSettings = queueSettingsSchema.parse({ leaseSeconds: 2, retryLimit: 2, retryDelaySeconds: 0, maintenanceSeconds: 1, pollSeconds: 0.5, heartbeatSeconds: 0.5, stopTimeoutSeconds: 5 });

export function settingsEnv(s: QueueSettings): Record<string, string> {
  return {
    LEAKPROOF_QUEUE_LEASE_SECONDS: String(s.leaseSeconds),
    LEAKPROOF_QUEUE_RETRY_LIMIT: String(s.retryLimit),
    LEAKPROOF_QUEUE_RETRY_DELAY_SECONDS: String(s.retryDelaySeconds),
    LEAKPROOF_QUEUE_MAINTENANCE_SECONDS: String(s.maintenanceSeconds),
    LEAKPROOF_QUEUE_POLL_SECONDS: String(s.pollSeconds),
    LEAKPROOF_QUEUE_HEARTBEAT_SECONDS: String(s.heartbeatSeconds),
    LEAKPROOF_QUEUE_STOP_TIMEOUT_SECONDS: String(s.stopTimeoutSeconds),
  };
}

/** LEAKPROOF_TEST_DATABASE_PREFIX replaces the prefix where several people share one server and each owns a name space. */
export async function createDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${process.env['LEAKPROOF_TEST_DATABASE_PREFIX'] || prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new URL(adminUrl as string);
  await sql(admin.toString(), `create database ${name}`);
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await sql(admin.toString(), `drop database if exists ${name} with (force)`).catch(() => undefined);
    },
  };
}

export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** A real `leakproof worker` process (audit jobs unless `queues` says otherwise; training writes its runs under `cwd`). */
export function startWorker(databaseUrl: string, env: Record<string, string> = {}, args: string[] = [], options: { queues?: string; cwd?: string } = {}): WorkerProcess {
  const child = spawn(process.execPath, [cliBin, 'worker', '--queues', options.queues ?? 'audit', ...args], {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...process.env, ...settingsEnv(testSettings), DATABASE_URL: databaseUrl, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function stopWorkers(workers: WorkerProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  // a check that throws (tables not created yet) counts as not yet
  while (!(await check().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The report without what legitimately differs between two runs (wall-clock timings, creation time, cache counts). */
export function comparable(report: AuditReport): string {
  const { timings: _t, createdAt: _c, ...rest } = report;
  return JSON.stringify(rest);
}
