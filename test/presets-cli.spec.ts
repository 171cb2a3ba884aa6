import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetFixtures } from '@leakproof/ingest';
import { cli } from './support/run-cli.js';

describe('leakproof manifest/audit --preset', () => {
  it('reads NIH ChestX-ray14 in its own layout from the flag or the dataset config', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'preset-cli-'));
    await presetFixtures.makeNihCxr14(join(cwd, 'nih'));
    const manifest = await cli(cwd, ['manifest', '--preset', 'nih-cxr14', 'nih', '--format', 'json']);
    expect(manifest.code, manifest.stderr).toBe(0);
    const { summary, manifest: m } = JSON.parse(manifest.stdout) as { summary: { counts: Record<string, Record<string, number>> }; manifest: { idRule: string } };
    expect(m.idRule).toBe('preset:nih-cxr14');
    expect(summary.counts).toEqual({ train: { NORMAL: 1, PNEUMONIA: 1 }, test: { NORMAL: 1, PNEUMONIA: 1 } });
    const table = await cli(cwd, ['manifest', '--preset', 'nih-cxr14', 'nih']);
    expect(table.stdout).toMatch(/excluded-by-label \(note\)/);

    await writeFile(join(cwd, 'nih.json'), JSON.stringify({ preset: { name: 'nih-cxr14', negative: 'rest' } }));
    const audit = await cli(cwd, ['audit', 'nih', '--config', 'nih.json', '--format', 'json', '--no-record']);
    const report = JSON.parse(audit.stdout) as { info: { idRule: string }; splits: { name: string; images: number }[] };
    expect(report.info.idRule).toBe('preset:nih-cxr14');
    expect(report.splits.map((s) => `${s.name} ${s.images}`).sort()).toEqual(['test 2', 'train 3']);

    const bad = await cli(cwd, ['manifest', '--preset', 'nih', 'nih']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/preset/);
  }, 60_000);
});
