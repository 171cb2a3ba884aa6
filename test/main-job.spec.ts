import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/run-cli.js';

// The README's main job on the in-repo sample, shortened with overrides; run twice it records two runs.
describe('leakproof demo (the main job) on the in-repo sample', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leakproof-demo-'));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  const quick = ['--set', 'train.epochs=1', 'train.imageSize=32', 'train.width=0.5', 'bootstrap.replicates=200'];

  it('audits, trains, evaluates on the held-out part and prints metrics with intervals and plot paths', async () => {
    const res = await cli(work, ['demo', ...quick]);
    expect(res.stderr).not.toMatch(/internal error/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Precision \(PPV\)/);
    expect(res.stdout).toMatch(/Recall \(sensitivity\)/);
    expect(res.stdout).toMatch(/\[\d\.\d{3}, \d\.\d{3}\]/);
    expect(res.stdout).toMatch(/\.svg/);
  });

  it('a second run adds a second run to the registry', async () => {
    expect((await cli(work, ['demo', ...quick])).code).toBe(0);
    const list = await cli(work, ['runs', 'list', '--format', 'json']);
    expect(list.code).toBe(0);
    const runs = JSON.parse(list.stdout) as { status: string }[];
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.status === 'finished')).toBe(true);
  });
});
