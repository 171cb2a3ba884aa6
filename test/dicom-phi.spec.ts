import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeDicom, seededRandom } from '@leakproof/ingest';
import { openRegistry } from '@leakproof/registry';
import { cli } from './support/run-cli.js';

// PHI planted in every fixture file; none of it may appear in any output, file or database row
const PHI = { patientId: 'MRN-7781234', otherId: 'MRN-5550199', patientName: 'SMITH^JOHN', birthDate: '19650412', uidRoot: '1.2.840.99999' };
const forbidden = new RegExp([PHI.patientId, PHI.otherId, 'SMITH', PHI.birthDate, PHI.uidRoot.replaceAll('.', '\\.')].join('|'));

function radiograph(seed: number): Uint16Array {
  const random = seededRandom(seed);
  return Uint16Array.from({ length: 48 * 48 }, () => Math.floor(random() * 4000));
}

let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'dicom-phi-'));
  const files: [string, string, number][] = [
    ['train/NORMAL/IM0001', PHI.patientId, 1],
    ['train/PNEUMONIA/IM0002', PHI.otherId, 2],
    ['train/NORMAL/IM0003.dcm', PHI.otherId, 3],
    // the same patient in test: a patient-overlap finding that must name the patient only by pseudonym
    ['test/NORMAL/IM0004.dcm', PHI.patientId, 4],
    ['test/PNEUMONIA/IM0005', 'MRN-0000001', 5],
  ];
  for (const [path, patientId, seed] of files) {
    await mkdir(join(cwd, 'dicom', path, '..'), { recursive: true });
    const bytes = encodeDicom({ rows: 48, columns: 48, bitsAllocated: 16, bitsStored: 12, pixels: radiograph(seed), windowCenter: 2000, windowWidth: 4000, patientId, patientName: PHI.patientName, birthDate: PHI.birthDate, studyUid: `${PHI.uidRoot}.${seed}`, seriesUid: `${PHI.uidRoot}.${seed}.1` });
    await writeFile(join(cwd, 'dicom', path), bytes);
  }
  // an exact copy across splits, so the reports carry image pairs too
  await writeFile(join(cwd, 'dicom/test/PNEUMONIA/IM0006.dcm'), await readFile(join(cwd, 'dicom/train/PNEUMONIA/IM0002')));
  await writeFile(join(cwd, 'leakproof.config.json'), JSON.stringify({ datasets: [{ name: 'dicom', path: 'dicom' }] }));
}, 60_000);

describe('DICOM PHI never leaves the dataset', () => {
  it('no raw PatientID, PatientName, BirthDate or UID in any report format, log, file or registry row', async () => {
    const recorded = await cli(cwd, ['audit', 'dicom', '--format', 'json']);
    expect(recorded.code).toBe(1);
    const report = JSON.parse(recorded.stdout) as { findings: { kind: string; patient?: string }[]; info: { idRule: string } };
    expect(report.info.idRule).toBe('dicom');
    const patientFinding = report.findings.find((f) => f.kind === 'patient');
    expect(patientFinding?.patient).toMatch(/^pid-[0-9a-f]{16}$/);
    expect(report.findings.some((f) => f.kind === 'exact')).toBe(true);

    const outputs = [recorded.stdout, recorded.stderr];
    for (const format of ['table', 'md', 'html', 'csv']) {
      const run = await cli(cwd, ['audit', 'dicom', '--format', format, '--no-record']);
      expect(run.code, `${format}: ${run.stderr}`).toBe(1);
      outputs.push(run.stdout, run.stderr);
      // DICOM pairs get previews through ingest's decoder
      if (format === 'html') expect(run.stdout).toContain('data:image/png;base64,');
    }
    for (const format of ['table', 'json', 'md']) {
      const run = await cli(cwd, ['manifest', 'dicom', '--format', format]);
      expect(run.code).toBe(0);
      outputs.push(run.stdout, run.stderr);
    }
    const gate = await cli(cwd, ['gate', '--junit', 'junit.xml', '--format', 'md']);
    expect(gate.code).toBe(1);
    outputs.push(gate.stdout, gate.stderr, await readFile(join(cwd, 'junit.xml'), 'utf8'));
    expect(outputs.join('\n').includes(patientFinding?.patient as string)).toBe(true);
    for (const [i, text] of outputs.entries()) expect(text, `output #${i}`).not.toMatch(forbidden);

    // control: the grep does see raw IDs when the config declares them pseudonymous
    await writeFile(join(cwd, 'pseudonymous.json'), JSON.stringify({ patientIds: 'pseudonymous' }));
    expect((await cli(cwd, ['manifest', 'dicom', '--format', 'json', '--config', 'pseudonymous.json'])).stdout).toMatch(forbidden);

    // every file Leakproof wrote (caches, key) except the registry's binary pages, checked as text
    for (const entry of await readdir(join(cwd, '.leakproof', 'cache'), { recursive: true })) {
      const text = await readFile(join(cwd, '.leakproof', 'cache', entry)).catch(() => Buffer.alloc(0));
      expect(text.toString('latin1'), entry).not.toMatch(forbidden);
    }

    const registry = await openRegistry({ dir: join(cwd, '.leakproof', 'registry') });
    try {
      const tables = (await registry.db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`)) as unknown as { rows: { table_name: string }[] };
      expect(tables.rows.length).toBeGreaterThan(3);
      let audited = '';
      for (const { table_name } of tables.rows) {
        const rows = (await registry.db.execute(sql.raw(`select * from "${table_name}"`))) as unknown as { rows: unknown[] };
        const text = JSON.stringify(rows.rows);
        expect(text, table_name).not.toMatch(forbidden);
        audited += text;
      }
      expect(audited).toContain(patientFinding?.patient as string);
    } finally {
      await registry.close();
    }
  }, 120_000);
});
