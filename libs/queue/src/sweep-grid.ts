import { DistributedModeError } from './errors.js';

/** One configuration of a sweep: `key=value` overrides (JSON values) applied to the experiment config. */
export interface SweepPoint {
  index: number;
  overrides: string[];
  /** the overrides as an object, for display */
  values: Record<string, unknown>;
}

/**
 * Far more trainings than a fleet runs (each takes minutes): a typo such as `--seeds 1e9` is refused before the
 * combinations are built, which would exhaust the submitting process's memory.
 */
export const maxSweepConfigurations = 10_000;

/**
 * `train.maxLr=[0.001,0.003] train.imageSize=[128,160]` × seeds → every combination, in a stable order.
 * Only `train.*` keys: a sweep trains on one split plan, bound to one audit, so split and dataset keys are refused.
 */
export function expandGrid(spec: string, seeds: number): SweepPoint[] {
  const axes = parseGrid(spec);
  if (!Number.isInteger(seeds) || seeds < 1) throw gridError(`--seeds must be a positive whole number, got ${seeds}`);
  const total = axes.reduce((n, [, values]) => n * values.length, seeds);
  if (total > maxSweepConfigurations) {
    const sizes = [...axes.map(([key, values]) => `${values.length} ${key}`), `${seeds} seed(s)`].join(' × ');
    throw gridError(`the sweep has ${sizes} = ${total} configurations; one sweep takes at most ${maxSweepConfigurations}: narrow the grid, use fewer seeds or split it into several sweeps`);
  }
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  const points: SweepPoint[] = [];
  for (const combo of combos) {
    for (let seed = 1; seed <= seeds; seed++) {
      const values = seeds > 1 ? { ...combo, 'train.seed': seed } : combo;
      points.push({ index: points.length, values, overrides: Object.entries(values).map(([k, v]) => `${k}=${JSON.stringify(v)}`) });
    }
  }
  return points;
}

export function parseGrid(spec: string): [string, unknown[]][] {
  const axes: [string, unknown[]][] = [];
  const keyRe = /\s*([\w.]+)\s*=\s*/y;
  let at = 0;
  for (;;) {
    keyRe.lastIndex = at;
    const m = keyRe.exec(spec);
    const end = m ? listEnd(spec, keyRe.lastIndex) : -1;
    if (!m || end < 0) break;
    const inner = spec.slice(keyRe.lastIndex + 1, end);
    at = end + 1 + (/^\s*/.exec(spec.slice(end + 1))?.[0].length ?? 0);
    const key = m[1] as string;
    if (!key.startsWith('train.')) throw gridError(`grid key '${key}' is not a training setting: a sweep trains every configuration on one split plan bound to one audit`);
    if (key === 'train.seed') throw gridError("use --seeds N instead of a 'train.seed' axis");
    const values = listValues(inner);
    if (values.length === 0) throw gridError(`grid key '${key}' has no values`);
    if (axes.some(([k]) => k === key)) throw gridError(`grid key '${key}' appears twice`);
    axes.push([key, values]);
  }
  if (at !== spec.length || axes.length === 0) throw gridError(`cannot read --grid '${spec}' after position ${at}`);
  return axes;
}

/** Index of the `]` closing the list that opens at `start`, past nested lists, objects and JSON strings; -1 if none. */
function listEnd(spec: string, start: number): number {
  if (spec[start] !== '[') return -1;
  let depth = 0;
  let inString = false;
  for (let i = start; i < spec.length; i++) {
    const c = spec[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') {
      depth--;
      if (depth === 0) return c === ']' ? i : -1;
    }
  }
  return -1;
}

/** A JSON list keeps strings with commas, objects and tuples (fineTune.lrSlice) whole; bare words (`[resnet-s,cnn4]`) are split on commas. */
function listValues(inner: string): unknown[] {
  try {
    return JSON.parse(`[${inner}]`) as unknown[];
  } catch {
    return inner.split(',').map((v) => v.trim()).filter((v) => v.length > 0).map(parseValue);
  }
}

function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function gridError(message: string): DistributedModeError {
  return new DistributedModeError(message, { code: 'sweep-grid', hint: "e.g. --grid 'train.maxLr=[0.001,0.003] train.imageSize=[128,160]' --seeds 3" });
}

/** Runs of a sweep as the registry reports them (last value and extremes of each metric). */
export interface SweepRunMetrics {
  runId: number;
  index: number;
  status: string;
  /** best value of the validation metric over the run's epochs (max, or min for a loss) */
  value: number | undefined;
}

/**
 * The best configuration by a validation metric only: test metrics are never looked at, so the choice does
 * not leak the held-out split into model selection. Returns undefined when no finished run has the metric.
 */
export function pickBest(metric: string, runs: readonly SweepRunMetrics[]): SweepRunMetrics | undefined {
  if (!metric.startsWith('val_')) throw new DistributedModeError(`--metric ${metric} is not a validation metric: the best configuration is chosen on validation, never on test`, { code: 'sweep-metric', hint: 'choose the best configuration on validation (val_auc, val_loss, val_accuracy), never on test' });
  const lower = metric.endsWith('loss');
  let best: SweepRunMetrics | undefined;
  // ties go to the lowest configuration index, whatever order the registry listed the runs in
  for (const r of [...runs].sort((a, b) => a.index - b.index || a.runId - b.runId)) {
    if (r.status !== 'finished' || r.value === undefined || !Number.isFinite(r.value)) continue;
    if (!best || (lower ? r.value < (best.value as number) : r.value > (best.value as number))) best = r;
  }
  return best;
}
