import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFingerprint } from './fingerprint.js';
import { defaultPolicy, loadPolicy, parsePolicy, policyHash } from './policy.js';

describe('policy', () => {
  it('fills defaults: every check fails, radius 8, 3 descriptor candidates per image, similarity 0.98', () => {
    expect(defaultPolicy.checks).toEqual({ exact: 'fail', pixel: 'fail', near: 'fail', patient: 'fail', 'label-conflict': 'fail', unverified: 'fail' });
    expect(defaultPolicy.near.radius).toBe(8);
    expect(defaultPolicy.near.perImage).toBe(3);
    expect(defaultPolicy.near.minSimilarity).toBe(0.98);
  });

  it('requires a written reason for every allowlist entry', () => {
    expect(() => parsePolicy({ allowlist: { patients: [{ patient: 'person1' }] } })).toThrow(/allowlist\.patients\.0\.reason/);
    expect(() => parsePolicy({ allowlist: { pairs: [{ a: 'x', b: 'y', reason: '' }] } })).toThrow(/written reason/);
    expect(parsePolicy({ allowlist: { pairs: [{ a: 'x', b: 'y', reason: 'twins, verified by radiologist' }] } }).allowlist.pairs).toHaveLength(1);
  });

  it('rejects unknown keys and bad values with the field named', () => {
    expect(() => parsePolicy({ checks: { exact: 'maybe' } })).toThrow(/checks\.exact/);
    expect(() => parsePolicy({ radius: 3 })).toThrow(/radius/);
  });

  it('hashes the meaning, not the formatting', () => {
    const a = parsePolicy({ near: { radius: 16 } });
    const b = parsePolicy({ near: { minSimilarity: 0.98, radius: 16 }, checks: {} });
    expect(policyHash(a)).toBe(policyHash(b));
    expect(policyHash(parsePolicy({ checks: { near: 'warn' } }))).not.toBe(policyHash(a));
  });

  it('loads a file and names it in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-'));
    await writeFile(join(dir, 'ok.json'), JSON.stringify({ checks: { patient: 'warn' } }));
    await writeFile(join(dir, 'bad.json'), '{ nope');
    expect((await loadPolicy(join(dir, 'ok.json'))).checks.patient).toBe('warn');
    await expect(loadPolicy(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json is not valid JSON/);
    await expect(loadPolicy(join(dir, 'missing.json'))).rejects.toThrow(/cannot read policy file/);
  });
});

describe('split fingerprint', () => {
  const records = [
    { split: 'train', path: 'train/NORMAL/a.jpeg', sha256: 'a'.repeat(64), label: 'NORMAL', patient: 'p1' },
    { split: 'test', path: 'test/PNEUMONIA/b.jpeg', sha256: 'b'.repeat(64), label: 'PNEUMONIA', patient: 'p2' },
  ];

  it('ignores order (and so where the data lives and when it was read)', () => {
    expect(splitFingerprint(records)).toBe(splitFingerprint([...records].reverse()));
    expect(splitFingerprint(records)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with any field of any record, and with added or removed records', () => {
    const fp = splitFingerprint(records);
    for (const field of ['split', 'path', 'sha256', 'label', 'patient'] as const) {
      const changed = records.map((r, i) => (i === 0 ? { ...r, [field]: field === 'sha256' ? 'c'.repeat(64) : `${r[field]}x` } : r));
      expect(splitFingerprint(changed)).not.toBe(fp);
    }
    expect(splitFingerprint(records.slice(1))).not.toBe(fp);
  });
});
