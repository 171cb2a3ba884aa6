import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticDataset } from '@leakproof/synth';
import { cli } from './support/run-cli.js';

// A user's mistake in what `train` is asked to do is refused before the data is audited or a run recorded.
describe('train refuses a bad request before any work', () => {
  let work: string;
  let data: string;
  let configPath: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leakproof-train-refusals-'));
    data = join(work, 'data');
    await generateSyntheticDataset(data, { seed: 31, patients: 12, imagesPerPatient: 2, size: 32 });
    configPath = join(work, 'exp.json');
    const train = { model: 'cnn4', imageSize: 16, width: 0.5, epochs: 1, batchSize: 4, workers: 1, earlyStopping: null, backend: 'wasm' };
    await writeFile(configPath, JSON.stringify({ dataset: { root: data }, experiment: 'refusals', splits: { minValImages: 1000, valFraction: 0.25 }, train }));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('a train.* field out of range: named as train.<field> with its file, before the data is read', async () => {
    const res = await cli(work, ['train', '--config', configPath, '--set', 'train.imageSize=15']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`config ${configPath} is invalid:\n  train.imageSize: Too small`);
    expect(res.stderr).not.toMatch(/never been audited|audit of the planned splits|internal error/);
  });

  it("a positive class no image has: refused with the labels found, no audit and no (failed) run recorded", async () => {
    expect((await cli(work, ['audit', data, '--format', 'json'])).code).toBe(0);
    const res = await cli(work, ['train', '--config', configPath, '--set', 'positiveClass=Pneumonia']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/positive class 'Pneumonia' \(positiveClass; labels found: NORMAL, PNEUMONIA\)\n {2}fix: .*--set positiveClass=PNEUMONIA/);
    expect(res.stderr).not.toMatch(/audit of the planned splits|started|internal error/);
    const runs = await cli(work, ['runs', 'list', '--format', 'json']);
    expect(JSON.parse(runs.stdout)).toEqual([]);
  });

  it('a pretrained model folder without model.json: refused before the audit, no (failed) run recorded', async () => {
    expect((await cli(work, ['audit', data, '--format', 'json'])).code).toBe(0);
    const res = await cli(work, ['train', '--config', configPath, '--set', 'train.model={"pretrained":"models/none"}']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`train.model.pretrained 'models/none': no model.json in ${join(work, 'models', 'none')}`);
    expect(res.stderr).not.toMatch(/audit of the planned splits|started|internal error/);
    expect(JSON.parse((await cli(work, ['runs', 'list', '--format', 'json'])).stdout)).toEqual([]);
  });

  it('lr-find names the field the same way', async () => {
    const res = await cli(work, ['lr-find', '--config', configPath, '--set', 'train.batchSize=0']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('train.batchSize: Too small');
  });
});
