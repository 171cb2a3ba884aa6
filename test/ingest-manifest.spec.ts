import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli as runCli } from './support/run-cli.js';
import { buildManifest, decodeGray, DecodeError, type ManifestSummary, type Manifest } from '@leakproof/ingest';
import { generateSyntheticDataset, pngBomb, type GroundTruth } from '@leakproof/synth';

const repo = resolve(fileURLToPath(import.meta.url), '../..');
const shared = resolve(repo, '../shared/data/chest_xray_224');
const haveShared = existsSync(join(shared, 'train'));
if (!haveShared) console.warn(`skipping the 5,216-image manifest test: ${shared} is absent`);

const cli = (args: string[]) => runCli(repo, args);

interface Report {
  summary: ManifestSummary;
  manifest: Manifest;
}

describe('manifest of a folder holding every bad input next to good images', () => {
  let dir: string;
  let root: string;
  let truth: GroundTruth;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leakproof-bad-'));
    root = join(dir, 'ds');
    truth = await generateSyntheticDataset(root, { seed: 3, patients: 12, imagesPerPatient: 2, size: 64, leaks: 'all', badInputs: true });
    for (const s of truth.skipped) console.warn(`synth skipped ${s.expected}: ${s.reason}`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('exits 0, lists each problem by file, and keeps every good image', async () => {
    const before = await readdir(root, { recursive: true });
    const { code, stdout } = await cli(['manifest', root, '--format', 'json']);
    expect(code).toBe(0);
    const { manifest } = JSON.parse(stdout) as Report;
    const found = new Map(manifest.problems.map((p) => [p.path, p.kind]));
    for (const bad of truth.badInputs) expect(found.get(bad.path), bad.path).toBe(bad.expected);
    expect(manifest.problems).toHaveLength(truth.badInputs.length);
    expect(manifest.images.map((i) => [i.path, i.split, i.label, i.patient]).sort()).toEqual(truth.images.map((i) => [i.path, i.split, i.label, i.patient]).sort());
    expect(await readdir(root, { recursive: true })).toEqual(before); // nothing written into the dataset
  });

  it('the table lists the problems by file', async () => {
    const { code, stdout } = await cli(['manifest', root]);
    expect(code).toBe(0);
    for (const bad of truth.badInputs.filter((b) => !b.path.includes('\uFFFD'))) expect(stdout).toContain(bad.path);
    expect(stdout).toMatch(/too-many-pixels/);
  });

  it('the kermany-strict rule is selectable by config', async () => {
    const manifest = await buildManifest(root, { idRule: 'kermany-strict' });
    const expected = new Map(truth.images.map((i) => [i.path, i.strictPatient]));
    for (const img of manifest.images) expect(img.patient).toBe(expected.get(img.path));
  });

  it('decodeGray refuses the 20,000² PNG bomb from its header', async () => {
    const error = await decodeGray(pngBomb(20_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecodeError);
    expect((error as DecodeError).kind).toBe('too-many-pixels');
  });

  it('usage errors exit 2 with a fix', async () => {
    const { code, stderr } = await cli(['manifest', join(dir, 'missing')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/does not exist[\s\S]*fix:/);
  });
});

describe('the in-repo sample', () => {
  it('is a clean Kaggle-layout dataset with patient-disjoint train/test', async () => {
    const { code, stdout } = await cli(['manifest', 'data/sample/chest_xray', '--format', 'json']);
    expect(code).toBe(0);
    const { summary } = JSON.parse(stdout) as Report;
    expect(summary.problems.total).toBe(0);
    expect(summary.splits).toEqual(['train', 'test']);
    expect(summary.classes).toEqual(['NORMAL', 'PNEUMONIA']);
    expect(summary.patients.inSeveralSplits).toBe(0);
    expect(summary.images).toBeGreaterThanOrEqual(240);
  });
});

describe.skipIf(!haveShared)('leakproof manifest ../shared/data/chest_xray_224', () => {
  it('reports 5,216 images, 1,341 NORMAL / 3,875 PNEUMONIA and the patients of each series', async () => {
    const { code, stdout } = await cli(['manifest', shared, '--format', 'json']);
    expect(code).toBe(0);
    const { summary } = JSON.parse(stdout) as Report;
    expect(summary.images).toBe(5216);
    expect(summary.counts['train']).toEqual({ NORMAL: 1341, PNEUMONIA: 3875 });
    expect(summary.problems.total).toBe(0);
    expect(summary.patients.perSeries).toEqual({
      IM: { total: 518, train: 518 },
      'NORMAL2-IM': { total: 693, train: 693 },
      bacteria: { total: 1353, train: 1353 },
      virus: { total: 1090, train: 1090 },
    });
    const table = await cli(['manifest', shared]);
    expect(table.stdout).toMatch(/1,341[\s\S]*3,875/);
  });
});
