import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '@leakproof/audit';
import { renderFindingsCsv } from './audit-support.js';

const report = {
  findings: [
    // a CSV layout's patient column and class folder names are free text a spreadsheet would run as a formula
    { kind: 'patient', severity: 'fail', splitA: 'test', splitB: 'train', pathA: '@SUM(1)/a.png', pathB: 'train/b.png', patient: '=HYPERLINK("http://x","y")', labelA: '+cmd', labelB: '-2+3', detail: '=1+1', score: 0.5, distance: 3 },
  ],
} as unknown as AuditReport;

describe('renderFindingsCsv', () => {
  it('defuses cells a spreadsheet would run as a formula, and keeps numbers as numbers', () => {
    const [header, row] = parse(renderFindingsCsv(report)) as string[][];
    const cell = (name: string): string => (row as string[])[(header as string[]).indexOf(name)] as string;
    for (const name of ['pathA', 'patient', 'labelA', 'labelB', 'detail']) expect(cell(name)).toMatch(/^'[=+\-@]/);
    expect(cell('patient')).toBe(`'=HYPERLINK("http://x","y")`);
    expect([cell('score'), cell('distance')]).toEqual(['0.5', '3']);
  });
});
