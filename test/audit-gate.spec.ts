import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliContext } from '@leakproof/cli';
import { generateSyntheticDataset, type GroundTruth } from '@leakproof/synth';
import type { AuditReport } from '@leakproof/audit';

function context(cwd: string, env: NodeJS.ProcessEnv = {}): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { ctx: { cwd, env, stdout, stderr, interactive: false }, out: () => o, err: () => e };
}

const expectedKind: Record<string, string> = {
  'byte-copy': 'exact',
  'lossless-reencode': 'pixel',
  resize: 'near',
  'jpeg-requality': 'near',
  'brightness-contrast': 'near',
  crop: 'near',
  'patient-overlap': 'patient',
  'label-conflict': 'label-conflict',
};

let work: string;
let truth: GroundTruth;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'audit-gate-'));
  truth = await generateSyntheticDataset(join(work, 'leaky'), { seed: 7, leaks: 'all', badInputs: true, patients: 40 });
  await generateSyntheticDataset(join(work, 'clean'), { seed: 8, patients: 30 });
});

describe('leakproof audit on synthetic datasets', () => {
  it('finds every planted leak with its kind and nothing else; every bad input is listed; exit 1', async () => {
    const { ctx, out } = context(work);
    const code = await runCli(['audit', 'leaky', '--format', 'json', '--no-record'], ctx);
    const report = JSON.parse(out()) as AuditReport;
    expect(code).toBe(1);
    expect(report.verdict).toBe('fail');
    const found = report.findings.map((f) => `${f.kind} ${[f.pathA, f.pathB].sort().join(' ')}`).sort();
    const planted = truth.leaks.map((l) => `${expectedKind[l.kind]} ${[l.pathA, l.pathB].sort().join(' ')}`).sort();
    expect(found).toEqual(planted);
    const listed = new Set(report.problems.map((p) => `${p.kind} ${p.path}`));
    for (const bad of truth.badInputs) expect(listed, bad.note).toContain(`${bad.expected} ${bad.path}`);
  });

  it('passes a clean dataset (exit 0) and writes one self-contained HTML page', async () => {
    const { ctx, err } = context(work);
    expect(await runCli(['audit', 'clean'], ctx)).toBe(0);
    expect(err()).toMatch(/recorded audit #\d+/);
    const leaky = context(work);
    expect(await runCli(['audit', 'leaky', '--format', 'html', '--output', 'leaky.html', '--no-record'], leaky.ctx)).toBe(1);
    const html = await readFile(join(work, 'leaky.html'), 'utf8');
    expect(html).toContain('data:image/png;base64,');
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
  });
});

describe('leakproof gate', () => {
  it('fails on an unrecorded dataset, passes after --update, fails again when the data changes; annotations + summary in Actions', async () => {
    await writeFile(join(work, 'leakproof.config.json'), JSON.stringify({ datasets: [{ name: 'clean', path: 'clean' }] }));
    const first = context(work);
    expect(await runCli(['gate'], first.ctx)).toBe(1);
    expect(first.out()).toMatch(/no passing audit of clean is recorded/);

    expect(await runCli(['gate', '--update'], context(work).ctx)).toBe(0);
    const lock = JSON.parse(await readFile(join(work, 'leakproof.lock.json'), 'utf8'));
    expect(lock.datasets.clean.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await runCli(['gate', '--junit', 'gate.xml'], context(work).ctx)).toBe(0);
    expect(await readFile(join(work, 'gate.xml'), 'utf8')).toContain('failures="0"');

    const anImage = truth.images.find((i) => i.split === 'train');
    await mkdir(join(work, 'clean', 'test', 'NORMAL'), { recursive: true });
    await writeFile(join(work, 'clean', 'test', 'NORMAL', 'IM-7777-0001.jpeg'), await readFile(join(work, 'leaky', anImage?.path ?? '')));
    const summary = join(work, 'summary.md');
    const changed = context(work, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, GITHUB_WORKSPACE: work });
    expect(await runCli(['gate'], changed.ctx)).toBe(1);
    expect(changed.out()).toMatch(/^::error title=leakage gate%3A clean::clean changed since its last passing audit/m);
    expect(await readFile(summary, 'utf8')).toMatch(/Leakage gate: fail/);
    await rm(join(work, 'clean', 'test', 'NORMAL', 'IM-7777-0001.jpeg'));

    await writeFile(join(work, 'leakproof.config.json'), JSON.stringify({ datasets: [{ name: 'leaky', path: 'leaky' }] }));
    const leaky = context(work, { GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: work });
    expect(await runCli(['gate'], leaky.ctx)).toBe(1);
    const annotations = leaky.out().split('\n').filter((l) => l.startsWith('::error'));
    expect(annotations.length).toBeLessThanOrEqual(11);
    expect(annotations[0]).toMatch(/^::error file=leaky\/(test|train)\/.+,title=leakage%3A /);
  });

  it('hooks install writes a pre-push hook and refuses to overwrite a foreign one without --force', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'hooks-'));
    execFileSync('git', ['init', '-q'], { cwd: repo });
    expect(await runCli(['hooks', 'install'], context(repo).ctx)).toBe(0);
    expect(await readFile(join(repo, '.git', 'hooks', 'pre-push'), 'utf8')).toContain('leakproof gate');
    expect(await runCli(['hooks', 'install'], context(repo).ctx)).toBe(0);
    await writeFile(join(repo, '.git', 'hooks', 'pre-push'), '#!/bin/sh\necho mine\n');
    const refused = context(repo);
    expect(await runCli(['hooks', 'install'], refused.ctx)).toBe(2);
    expect(refused.err()).toMatch(/not installed by leakproof/);
    expect(await runCli(['hooks', 'install', '--force'], context(repo).ctx)).toBe(0);
  });
});
