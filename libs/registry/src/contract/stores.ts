import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openRegistry } from '../open.js';
import type { Registry } from '../registry.js';
import type { AuditInput } from '../inputs.js';

/** Where the contract suite runs: PGlite always, PostgreSQL when LEAKPROOF_TEST_DATABASE_URL is set. */
export const postgresUrl = process.env['LEAKPROOF_TEST_DATABASE_URL'];
export const stores = [{ kind: 'pglite' as const }, ...(postgresUrl ? [{ kind: 'postgres' as const }] : [])];
if (!postgresUrl) console.warn('LEAKPROOF_TEST_DATABASE_URL is unset: the registry contract suite runs on PGlite only');

export interface TestStore {
  registry: Registry;
  /** postgres only: the URL of this test's own database, for child processes */
  databaseUrl?: string;
  dispose(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh store: in-memory PGlite, or a uniquely named PostgreSQL database dropped afterwards. */
export async function openTestStore(kind: 'pglite' | 'postgres'): Promise<TestStore> {
  if (kind === 'pglite') {
    const registry = await openRegistry({});
    return { registry, dispose: () => registry.close() };
  }
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  const name = `lp_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const databaseUrl = withDatabase(postgresUrl as string, name);
  const registry = await openRegistry({ databaseUrl });
  return {
    registry,
    databaseUrl,
    async dispose() {
      await registry.close();
      // pool.end() resolves before the server has seen every Terminate; let them go before forcing the drop
      for (let i = 0; i < 40; i++) {
        const { rows } = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((done) => setTimeout(done, 50));
      }
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export const fp = (seed: string): string => seed.repeat(64).slice(0, 64);

export function auditFixture(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    dataset: { name: 'chest', root: '/data/chest' },
    fingerprint: fp('a1'),
    verdict: 'pass',
    policy: { near: { maxBits: 10 } },
    policyHash: 'ph1',
    report: { schemaVersion: 1, findings: [] },
    toolVersion: '0.1.0',
    splits: [
      { name: 'train', images: 100, patients: 40 },
      { name: 'val', images: 20, patients: 8 },
      { name: 'test', images: 30, patients: 12 },
    ],
    findings: [],
    ...overrides,
  };
}
