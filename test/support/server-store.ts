import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry, type Registry } from '@leakproof/registry';
import { startServer, type RunningServer } from '@leakproof/server';
import pg from 'pg';

/** Where the server suites run: PGlite always, PostgreSQL too when LEAKPROOF_TEST_DATABASE_URL is set. */
export const postgresUrl = process.env['LEAKPROOF_TEST_DATABASE_URL'];
export const serverStores = [{ kind: 'pglite' as const }, ...(postgresUrl ? [{ kind: 'postgres' as const }] : [])];
if (!postgresUrl) console.warn('LEAKPROOF_TEST_DATABASE_URL is unset: the server suites run on PGlite only');

export const fingerprint = (seed: string): string => seed.repeat(64).slice(0, 64);

export interface ServedStore {
  registry: Registry;
  server: RunningServer;
  url: string;
  cwd: string;
  /** a passing audit to bind runs to */
  auditId: number;
  auditFingerprint: string;
  dispose(): Promise<void>;
}

/** A fresh store (PGlite in a temp dir, or an own PostgreSQL database) served on an ephemeral loopback port. */
export async function serveTestStore(kind: 'pglite' | 'postgres', opts: { token?: string; host?: string; /** PGlite on disk under cwd, announced in server.json (default: in memory) */ onDisk?: boolean } = {}): Promise<ServedStore> {
  const cwd = mkdtempSync(join(tmpdir(), 'lp-server-'));
  let databaseUrl: string | undefined;
  let admin: pg.Client | undefined;
  let database = '';
  if (kind === 'postgres') {
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    database = `lp_srv_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    await admin.query(`create database ${database}`);
    const u = new URL(postgresUrl as string);
    u.pathname = `/${database}`;
    databaseUrl = u.toString();
  }
  const registry = await openRegistry(databaseUrl ? { databaseUrl } : opts.onDisk ? { dir: join(cwd, '.leakproof', 'registry') } : {});
  const auditFingerprint = fingerprint('c4');
  const audit = await registry.recordAudit({
    dataset: { name: 'chest', root: join(cwd, 'data') },
    fingerprint: auditFingerprint,
    verdict: 'pass',
    policy: {},
    policyHash: 'p',
    report: {},
    toolVersion: 'test',
    splits: [
      { name: 'train', images: 10, patients: 5 },
      { name: 'test', images: 4, patients: 2 },
    ],
  });
  const server = await startServer({ registry, cwd, port: 0, ui: false, announce: kind === 'pglite' && opts.onDisk === true, ...(opts.host ? { host: opts.host } : {}), ...(opts.token ? { token: opts.token } : {}) });
  return {
    registry,
    server,
    url: server.url,
    cwd,
    auditId: audit.id,
    auditFingerprint,
    async dispose() {
      await server.close();
      await registry.close();
      rmSync(cwd, { recursive: true, force: true });
      if (admin) {
        for (let i = 0; i < 40; i++) {
          const { rows } = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [database]);
          if (rows[0].n === 0) break;
          await new Promise((done) => setTimeout(done, 50));
        }
        await admin.query(`drop database if exists ${database} with (force)`);
        await admin.end();
      }
    },
  };
}

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One JSON request, as MLflow's clients send it. */
export async function request(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(url + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (artifact downloads)
  }
  return { status: res.status, body: parsed };
}
