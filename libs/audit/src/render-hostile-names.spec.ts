import { describe, expect, it } from 'vitest';
import { renderJUnit } from './render-junit.js';
import { renderAuditMarkdown } from './render-text.js';
import type { AuditReport, Finding } from './report-schema.js';

// file names a Linux dataset may legally hold: a newline, a backslash before a pipe, terminal escapes
const hostile = ['test/NORMAL/line1\nline2.jpeg', 'test/NORMAL/a\\|b.jpeg', 'test/NORMAL/ansi\u001b[31mred\u0001.jpeg', 'test/NORMAL/cr\r.jpeg'];

function exact(pathA: string): Finding {
  return { kind: 'exact', severity: 'fail', splitA: 'test', splitB: 'train', pathA, pathB: 'train/NORMAL/x.jpeg', score: 1, labelA: 'NORMAL', labelB: 'NORMAL', detail: `${pathA} (test) and train/NORMAL/x.jpeg (train): identical bytes` };
}

const report: AuditReport = {
  schemaVersion: 1,
  tool: { name: 'leakproof', version: '0.0.0' },
  dataset: { root: '/data/ds', name: 'ds' },
  createdAt: '2026-01-01T00:00:00.000Z',
  fingerprint: 'a'.repeat(64),
  policyHash: 'b'.repeat(64),
  verdict: 'fail',
  splits: [{ name: 'train', images: 1, patients: 1, classes: { 'odd\\|class': 1 } }],
  findings: hostile.map(exact),
  info: { withinSplitDuplicates: [], classBalance: {}, patientsPerSplit: {}, imagesPerPatient: { min: 1, median: 1, max: 1, mean: 1 }, idRule: 'kermany', nearCandidates: 0 },
  problems: hostile.map((path) => ({ path, kind: 'stray-file', message: 'not an image', severity: 'note' as const })),
  timings: { images: 1, hashedFresh: 1, fromCache: 0, hashMs: 1, indexMs: 1, verifyMs: 1, totalMs: 1 },
};

/** Cell separators as GitHub's table extension finds them: a pipe not itself escaped by a backslash. */
function cells(row: string): number {
  return row.match(/(?:^|[^\\])(?:\\\\)*\|/g)?.length ?? 0;
}

describe('reports with hostile file names', () => {
  it('keeps every Markdown table row on one line with its five (or four) cells', () => {
    const lines = renderAuditMarkdown(report).split('\n');
    const findingRows = lines.filter((l) => l.startsWith('| fail |'));
    expect(findingRows).toHaveLength(hostile.length);
    for (const row of findingRows) expect(cells(row)).toBe(6);
    const splitRow = lines.find((l) => l.startsWith('| train |')) as string;
    expect(cells(splitRow)).toBe(5);
    expect(lines.filter((l) => l.startsWith('- `stray-file`'))).toHaveLength(hostile.length);
  });

  it('writes JUnit XML without the control characters XML 1.0 forbids', () => {
    const xml = renderJUnit([report], [{ dataset: 'ds', name: 'lock \u001b', message: 'changed \u0001' }]);
    expect(xml).not.toMatch(/(?![\t\n\r])[\p{Cc}\ufffe\uffff]/u);
    expect(xml).toContain('ansi\\u001b[31mred\\u0001.jpeg');
  });
});
