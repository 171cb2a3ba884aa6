import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditManifest, type AuditReport } from '@leakproof/audit';
import { buildManifest } from '@leakproof/ingest';
import { runGate, type GateAuditInput } from './gate.js';
import { lockPassingAudit } from './lock-file.js';

// a few real images per split/class of the in-repo sample (Kermany et al., CC BY 4.0; see data/sample/README.md)
const SAMPLE = resolve(import.meta.dirname, '../../../data/sample/chest_xray');
const PER_CLASS = 3;

let work: string;

async function copySubset(to: string, extra?: (to: string) => Promise<void>): Promise<void> {
  for (const split of ['train', 'test']) {
    for (const label of ['NORMAL', 'PNEUMONIA']) {
      const dir = join(SAMPLE, split, label);
      await mkdir(join(to, split, label), { recursive: true });
      for (const file of (await readdir(dir)).sort().slice(0, PER_CLASS)) await copyFile(join(dir, file), join(to, split, label, file));
    }
  }
  await extra?.(to);
}

const audit = async (input: GateAuditInput): Promise<AuditReport> =>
  auditManifest(await buildManifest(input.root, {}), { policy: input.policy, cacheDir: null, name: input.name });

async function writeConfig(datasets: { name: string; path: string }[]): Promise<string> {
  const configPath = join(work, 'leakproof.config.json');
  await writeFile(configPath, JSON.stringify({ datasets }));
  return configPath;
}

const gate = (configPath: string, update = false) => runGate({ configPath, update, cwd: work, audit });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gate-'));
  await copySubset(join(work, 'clean'));
  // one training image copied into test under its name: an exact duplicate and a shared patient
  await copySubset(join(work, 'leaky'), async (to) => {
    const file = (await readdir(join(to, 'train', 'NORMAL')))[0] as string;
    await copyFile(join(to, 'train', 'NORMAL', file), join(to, 'test', 'NORMAL', file));
  });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('runGate', () => {
  it('fails a clean dataset that has no passing audit in the lock file, naming the fix', async () => {
    await rm(join(work, 'leakproof.lock.json'), { force: true });
    const { gate: result, problems } = await gate(await writeConfig([{ name: 'clean', path: 'clean' }]));
    expect(result.passed).toBe(false);
    expect(result.updatedLock).toBe(false);
    const [ds] = result.datasets;
    expect(ds?.verdict).toBe('pass');
    expect(ds?.lockedFingerprint).toBeUndefined();
    expect(ds?.reasons).toEqual([expect.stringMatching(/no passing audit of clean is recorded in leakproof\.lock\.json; .*leakproof gate --update/)]);
    expect(problems).toEqual([{ dataset: 'clean', name: 'unchanged since last passing audit', message: ds?.reasons[0] }]);
  });

  it('locks a passing dataset on update, then passes against the lock', async () => {
    const configPath = await writeConfig([{ name: 'clean', path: 'clean' }]);
    const updated = await gate(configPath, true);
    expect(updated.gate).toMatchObject({ passed: true, updatedLock: true, lockFile: join(work, 'leakproof.lock.json') });
    const lock = JSON.parse(await readFile(join(work, 'leakproof.lock.json'), 'utf8'));
    expect(lock.datasets.clean.fingerprint).toBe(updated.gate.datasets[0]?.fingerprint);
    const again = await gate(configPath);
    expect(again.gate.passed).toBe(true);
    expect(again.gate.datasets[0]?.lockedFingerprint).toBe(updated.gate.datasets[0]?.fingerprint);
    expect(again.problems).toEqual([]);
  });

  it('fails a dataset whose fingerprint changed since its locked audit', async () => {
    const configPath = await writeConfig([{ name: 'clean', path: 'clean' }]);
    await gate(configPath, true);
    const file = (await readdir(join(work, 'clean', 'train', 'PNEUMONIA')))[0] as string;
    await rm(join(work, 'clean', 'train', 'PNEUMONIA', file));
    const { gate: result } = await gate(configPath);
    expect(result.passed).toBe(false);
    expect(result.datasets[0]?.reasons).toEqual([expect.stringMatching(/^clean changed since its last passing audit \(fingerprint [0-9a-f]{12} → [0-9a-f]{12}\)/)]);
  });

  it('fails a leaky dataset with its finding count and never locks it', async () => {
    const { gate: result } = await gate(await writeConfig([{ name: 'leaky', path: 'leaky' }]), true);
    expect(result.passed).toBe(false);
    expect(result.updatedLock).toBe(false);
    expect(result.datasets[0]?.verdict).toBe('fail');
    expect(result.datasets[0]?.reasons[0]).toMatch(/^\d+ leakage finding\(s\) fail the policy$/);
    const lock = JSON.parse(await readFile(join(work, 'leakproof.lock.json'), 'utf8'));
    expect(lock.datasets.leaky).toBeUndefined();
  });

  it('fails only the dataset whose folder is missing, as a problem for JUnit', async () => {
    const { gate: result, problems } = await gate(await writeConfig([{ name: 'gone', path: 'gone' }]));
    expect(result.datasets[0]).toMatchObject({ name: 'gone', verdict: 'error', reasons: ['dataset folder gone does not exist'] });
    expect(problems).toEqual([{ dataset: 'gone', name: 'dataset can be audited', message: 'dataset folder gone does not exist' }]);
  });
});

describe('lockPassingAudit', () => {
  it('locks a passing audit under the config name of its folder and refuses a failing one', async () => {
    const configPath = await writeConfig([{ name: 'clean', path: 'clean' }, { name: 'leaky', path: 'leaky' }]);
    const { gate: result } = await gate(configPath);
    const [clean, leaky] = result.datasets;
    expect(await lockPassingAudit(configPath, join(work, 'clean'), clean?.report as AuditReport)).toEqual({ name: 'clean', lockPath: join(work, 'leakproof.lock.json'), updated: true });
    expect((await lockPassingAudit(configPath, join(work, 'leaky'), leaky?.report as AuditReport)).updated).toBe(false);
  });

  it('refuses a folder that is not in the gate config', async () => {
    const configPath = await writeConfig([{ name: 'clean', path: 'clean' }]);
    const { gate: result } = await gate(configPath);
    await expect(lockPassingAudit(configPath, join(work, 'elsewhere'), result.datasets[0]?.report as AuditReport)).rejects.toThrow(/is not one of the datasets/);
  });
});
