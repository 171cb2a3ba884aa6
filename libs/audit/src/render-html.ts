import { join } from 'node:path';
import { noFindingsSentence } from '@leakproof/core';
import { previewPng } from '@leakproof/ingest';
import type { AuditReport, Finding } from './report-schema.js';

/** data: URIs of small PNG thumbnails keyed by the path relative to the dataset root. */
export type Thumbnails = Record<string, string>;

/** Makes the thumbnails for every image in a flagged pair (unreadable images are simply left out). */
export async function buildThumbnails(report: AuditReport, options: { size?: number; maxPairs?: number } = {}): Promise<Thumbnails> {
  const size = options.size ?? 192;
  const paths = new Set<string>();
  for (const f of report.findings.slice(0, options.maxPairs ?? 500)) {
    if (f.pathA) paths.add(f.pathA);
    if (f.pathB) paths.add(f.pathB);
  }
  const out: Thumbnails = {};
  for (const path of paths) {
    try {
      // through ingest's decoder, so DICOM pairs get previews too
      const png = await previewPng(join(report.dataset.root, path), size);
      out[path] = `data:image/png;base64,${png.toString('base64')}`;
    } catch {
      // a broken image has no thumbnail; the pair is still listed
    }
  }
  return out;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function figure(path: string | undefined, split: string, label: string | undefined, thumbs: Thumbnails): string {
  if (!path) return '';
  const src = thumbs[path];
  const img = src ? `<img src="${src}" alt="${esc(path)}">` : `<div class="missing">no preview</div>`;
  return `<figure>${img}<figcaption><b>${esc(split)}</b>${label ? ` · ${esc(label)}` : ''}<br><code>${esc(path)}</code></figcaption></figure>`;
}

function card(f: Finding, thumbs: Thumbnails): string {
  const score = f.score !== undefined && f.kind !== 'patient' ? `<span>similarity ${f.score}</span>` : '';
  const dist = f.distance !== undefined && f.kind === 'near' ? `<span>blockhash ${f.distance}/256 bits</span>` : '';
  return `<section class="card ${f.severity}"><header><span class="sev">${f.severity}</span><span class="kind">${f.kind}</span>${score}${dist}${f.allowedBecause ? `<span>allowed: ${esc(f.allowedBecause)}</span>` : ''}</header>
<p>${esc(f.detail)}</p><div class="pair">${figure(f.pathA, f.splitA, f.labelA, thumbs)}${figure(f.pathB, f.splitB, f.labelB, thumbs)}</div></section>`;
}

/** One self-contained HTML page (no external assets): verdict, splits, and every flagged pair side by side. */
export function renderAuditHtml(report: AuditReport, options: { thumbnails?: Thumbnails } = {}): string {
  const thumbs = options.thumbnails ?? {};
  const rows = report.splits.map((s) => `<tr><td>${esc(s.name)}</td><td>${s.images}</td><td>${s.patients}</td><td>${esc(Object.entries(s.classes).map(([c, n]) => `${c} ${n}`).join(', '))}</td></tr>`).join('');
  const problems = report.problems.map((p) => `<li><code>${esc(p.kind)}</code> ${esc(p.path)}: ${esc(p.message)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Leakage audit: ${esc(report.dataset.name)} (${report.verdict})</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222;background:#fafafa}
h1 .pass{color:#17803d}h1 .fail{color:#c62828}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
.card{background:#fff;border:1px solid #ddd;border-left:6px solid #999;margin:1rem 0;padding:.6rem 1rem}
.card.fail{border-left-color:#c62828}.card.warn{border-left-color:#f9a825}.card.info{border-left-color:#1565c0}
.card header span{margin-right:1rem}.sev{font-weight:bold;text-transform:uppercase}.kind{font-family:monospace;background:#eee;padding:0 .3rem}
.pair{display:flex;gap:1rem;flex-wrap:wrap}figure{margin:0}figure img{max-width:192px;max-height:192px;image-rendering:auto;border:1px solid #ccc;background:#000}
.missing{width:192px;height:120px;display:flex;align-items:center;justify-content:center;background:#eee}
figcaption{font-size:12px;max-width:260px;word-break:break-all}
</style></head><body>
<h1>Leakage audit: ${esc(report.dataset.name)} — <span class="${report.verdict}">${report.verdict.toUpperCase()}</span></h1>
<p>Root <code>${esc(report.dataset.root)}</code><br>Fingerprint <code>${report.fingerprint}</code><br>Policy <code>${report.policyHash}</code> · ${esc(report.tool.name)} ${esc(report.tool.version)} · ${esc(report.createdAt)}</p>
<table><tr><th>split</th><th>images</th><th>patients</th><th>classes</th></tr>${rows}</table>
<h2>${report.findings.length} finding(s)</h2>
${report.findings.length ? report.findings.map((f) => card(f, thumbs)).join('\n') : `<p>${esc(noFindingsSentence(report.splits.map((s) => s.name)))}</p>`}
${problems ? `<h2>${report.problems.length} input problem(s)</h2><ul>${problems}</ul>` : ''}
</body></html>
`;
}
