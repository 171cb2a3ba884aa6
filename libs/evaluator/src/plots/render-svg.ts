import type { TopLevelSpec } from 'vega-lite';

/** Shared look: white background, plain fonts, fixed size so SVGs diff cleanly between runs. */
export const plotConfig = {
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { grid: true, gridColor: '#eee' },
} as const;

/**
 * Compiles a vega-lite spec and renders it headless (no canvas, no DOM) to an SVG string.
 * vega is imported on first use so that importing the metrics (e.g. from the trainer) stays cheap.
 */
export async function renderVegaLiteSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = compile({ ...spec, config: { ...plotConfig, ...spec.config, axis: { ...plotConfig.axis, ...spec.config?.axis } } } as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));

export const fmtInterval = (m: { value: number | null; lo: number | null; hi: number | null }): string =>
  m.lo === null || m.hi === null ? fmt(m.value) : `${fmt(m.value)} [${fmt(m.lo)}, ${fmt(m.hi)}]`;
