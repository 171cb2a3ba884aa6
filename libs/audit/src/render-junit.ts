import { findingKinds } from '@leakproof/core';
import type { AuditReport } from './report-schema.js';

function xml(s: string): string {
  return s
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string)
    // XML 1.0 has no way to write these, not even as &#x1b;: a file name holding one made the whole report unparseable
    .replace(/(?![\t\n\r])[\p{Cc}\ufffe\uffff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JUnit XML for CIs other than GitHub: one suite per dataset, one test case per check kind; a failing
 * check lists its findings. Extra gate failures (e.g. an unaccepted dataset change) come as extra cases.
 */
export function renderJUnit(reports: AuditReport[], extraFailures: { dataset: string; name: string; message: string }[] = []): string {
  const kinds = findingKinds;
  const suites = reports.map((r) => {
    const extras = extraFailures.filter((e) => e.dataset === r.dataset.name);
    const cases = kinds.map((kind) => {
      const failing = r.findings.filter((f) => f.kind === kind && f.severity === 'fail');
      const body = failing.length
        ? `<failure message="${xml(`${failing.length} ${kind} finding(s)`)}">${xml(failing.map((f) => f.detail).join('\n'))}</failure>`
        : '';
      return `    <testcase classname="${xml(`leakproof.${r.dataset.name}`)}" name="${kind}">${body}</testcase>`;
    });
    for (const e of extras) cases.push(`    <testcase classname="${xml(`leakproof.${r.dataset.name}`)}" name="${xml(e.name)}"><failure message="${xml(e.message)}"/></testcase>`);
    const failures = kinds.filter((k) => r.findings.some((f) => f.kind === k && f.severity === 'fail')).length + extras.length;
    return `  <testsuite name="${xml(`leakage audit: ${r.dataset.name}`)}" tests="${cases.length}" failures="${failures}" time="${(r.timings.totalMs / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const orphans = extraFailures.filter((e) => !reports.some((r) => r.dataset.name === e.dataset));
  for (const e of orphans) {
    suites.push(`  <testsuite name="${xml(`leakage audit: ${e.dataset}`)}" tests="1" failures="1">\n    <testcase classname="${xml(`leakproof.${e.dataset}`)}" name="${xml(e.name)}"><failure message="${xml(e.message)}"/></testcase>\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="leakproof">\n${suites.join('\n')}\n</testsuites>\n`;
}
