import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticDataset } from './generate.js';
import { groundTruthSchema, leakKinds } from './ground-truth.js';

const dirs: string[] = [];
async function fresh(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'synth-spec-'));
  dirs.push(d);
  return join(d, 'ds');
}
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function digest(root: string, paths: string[]): Promise<string> {
  const h = createHash('sha256');
  for (const p of [...paths].sort()) h.update(p).update(await readFile(join(root, p)));
  return h.digest('hex');
}

describe('generateSyntheticDataset', () => {
  it('is deterministic for a seed and records every planted leak once', async () => {
    const a = await fresh();
    const b = await fresh();
    const opts = { seed: 5, patients: 12, imagesPerPatient: 2, size: 48, leaks: 'all' as const };
    const ta = await generateSyntheticDataset(a, opts);
    const tb = await generateSyntheticDataset(b, opts);
    expect(groundTruthSchema.parse(ta)).toBeTruthy();
    expect(ta.leaks.map((l) => l.kind)).toEqual([...leakKinds]);
    expect(ta.images.map((i) => i.path)).toEqual(tb.images.map((i) => i.path));
    expect(await digest(a, ta.images.map((i) => i.path))).toBe(await digest(b, tb.images.map((i) => i.path)));
    const paths = new Set(ta.images.map((i) => i.path));
    for (const leak of ta.leaks) {
      expect(paths.has(leak.pathA) && paths.has(leak.pathB)).toBe(true);
      const [A, B] = [ta.images.find((i) => i.path === leak.pathA), ta.images.find((i) => i.path === leak.pathB)];
      if (leak.kind === 'patient-overlap') expect(B?.patient).toBe(A?.patient);
      else expect(B?.patient).not.toBe(A?.patient);
      if (leak.kind === 'label-conflict') expect(B?.label).not.toBe(A?.label);
      else expect(B?.split).not.toBe(A?.split);
    }
    // patients never straddle splits except through the planted patient-overlap
    const splitsOf = new Map<string, Set<string>>();
    for (const i of ta.images) splitsOf.set(i.patient, (splitsOf.get(i.patient) ?? new Set()).add(i.split));
    expect([...splitsOf.values()].filter((s) => s.size > 1)).toHaveLength(1);
  });

  it('a different seed gives different pixels', async () => {
    const a = await fresh();
    const b = await fresh();
    const ta = await generateSyntheticDataset(a, { seed: 1, patients: 4, imagesPerPatient: 1, size: 32 });
    const tb = await generateSyntheticDataset(b, { seed: 2, patients: 4, imagesPerPatient: 1, size: 32 });
    expect(await digest(a, ta.images.map((i) => i.path))).not.toBe(await digest(b, tb.images.map((i) => i.path)));
  });
});
