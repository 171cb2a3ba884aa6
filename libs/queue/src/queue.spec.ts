import { describe, expect, it } from 'vitest';
import { distributedAudit, DistributedModeError, listWorkers, deterministicJobId, parseQueues, queueName, queueSettingsFromEnv, requireVisibleRoot, runWorker, DatasetNotVisibleError } from './index.js';
import { defaultPolicy } from '@leakproof/audit';

describe('queue without PostgreSQL', () => {
  it('the embedded store refuses distributed mode with a message naming DATABASE_URL', async () => {
    const manifest = { root: '/tmp', idRule: 'kermany', images: [], problems: [] } as unknown as Parameters<typeof distributedAudit>[0];
    const settings = queueSettingsFromEnv({});
    await expect(distributedAudit(manifest, { databaseUrl: undefined, version: '1', settings, policy: defaultPolicy, shardSize: 10 })).rejects.toThrow(/needs PostgreSQL/);
    await expect(runWorker({ databaseUrl: '', version: '1', settings, concurrency: 1, queues: ['audit'], log: () => undefined, signal: new AbortController().signal })).rejects.toBeInstanceOf(DistributedModeError);
  });

  it('listing workers on an unreachable server says so and names the URL without its password', async () => {
    const listing = listWorkers('postgres://lp:secret@127.0.0.1:1/none', { heartbeatSeconds: 5 });
    await expect(listing).rejects.toBeInstanceOf(DistributedModeError);
    await expect(listing).rejects.toThrow(/cannot connect to PostgreSQL at postgres:\/\/lp:\*\*\*@127\.0\.0\.1:1\/none/);
  });

  it('a worker refuses a job whose dataset root it does not see', () => {
    expect(() => requireVisibleRoot('/no/such/dataset/root')).toThrow(DatasetNotVisibleError);
    expect(() => requireVisibleRoot('/no/such/dataset/root')).toThrow(/not visible on worker/);
  });

  it('names one queue per job kind and code version; --queues groups', () => {
    expect(queueName('audit-hash', '0.1.0')).toBe('leakproof-audit-hash-v0_1_0');
    expect(parseQueues(['audit', 'train'])).toEqual(['audit-hash', 'audit-verify', 'train']);
    expect(() => parseQueues(['gpu'])).toThrow(/unknown queue/);
  });

  it('job ids are a function of the work (so two coordinators enqueue the same ids) and valid UUIDs', () => {
    const id = deterministicJobId('hash', '0.1.0', '/data', 'a', 'b');
    expect(id).toBe(deterministicJobId('hash', '0.1.0', '/data', 'a', 'b'));
    expect(id).not.toBe(deterministicJobId('hash', '0.1.0', '/data', 'a', 'c'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('reads short test timings from the environment and keeps production defaults otherwise', () => {
    expect(queueSettingsFromEnv({}).leaseSeconds).toBe(300);
    expect(queueSettingsFromEnv({ LEAKPROOF_QUEUE_LEASE_SECONDS: '3' }).leaseSeconds).toBe(3);
  });

  it('a bad LEAKPROOF_QUEUE_* value is a usage error naming the variable and its value, not an internal error', () => {
    expect(() => queueSettingsFromEnv({ LEAKPROOF_QUEUE_LEASE_SECONDS: 'abc' })).toThrow(DistributedModeError);
    expect(() => queueSettingsFromEnv({ LEAKPROOF_QUEUE_LEASE_SECONDS: 'abc' })).toThrow(/LEAKPROOF_QUEUE_LEASE_SECONDS='abc'/);
    expect(() => queueSettingsFromEnv({ LEAKPROOF_QUEUE_TRAIN_LEASE_SECONDS: '100000' })).toThrow(/LEAKPROOF_QUEUE_TRAIN_LEASE_SECONDS='100000'.*86000/);
  });
});
