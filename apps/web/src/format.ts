/** Numbers as the CLI prints them: run tables with 4 significant digits, evaluation metrics with 3 decimals. */
export const num = (v: number | null | undefined): string =>
  v === null || v === undefined ? '' : !Number.isFinite(v) ? String(v) : Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString();

export const fixed = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));

export const interval = (m: { value: number | null; lo?: number | null | undefined; hi?: number | null | undefined } | undefined): string => {
  if (!m) return '';
  const lo = m.lo ?? null;
  const hi = m.hi ?? null;
  return lo === null || hi === null ? fixed(m.value) : `${fixed(m.value)} [${fixed(lo)}, ${fixed(hi)}]`;
};

export const shortHash = (h: string, n = 12): string => h.slice(0, n);

export const when = (iso: string | null): string => (iso ? iso.replace('T', ' ').slice(0, 19) : '');

/** Params are nested JSON; the registry's filter language addresses them by dotted keys. */
export function flattenParams(params: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenParams(v as Record<string, unknown>, key));
    else out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

/** Exponential moving average with debiasing (as TensorBoard's smoothing slider), NaN-safe. */
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    n += 1;
    return last / (1 - Math.pow(weight, n));
  });
}

const everyday = new Intl.NumberFormat('en', { maximumFractionDigits: 6 });

/**
 * A y axis's tick labels: as usual in the everyday range, all exponential where the largest tick's digits would
 * not fit the axis (a loss exploding to 1e30) or would all be zeros (a learning rate of 1e-6).
 */
export function axisTicks(ticks: number[]): string[] {
  const largest = Math.max(0, ...ticks.map(Math.abs));
  const everydayRange = largest === 0 || (largest >= 1e-4 && largest < 1e6);
  return ticks.map((v) => (everydayRange ? everyday.format(v) : v === 0 ? '0' : v.toExponential()));
}

/** m·10^e for every m and e: tick increments as uPlot writes them (its own reach only 1e±32). */
function decades(fromExp: number, toExp: number, mults: number[]): number[] {
  const out: number[] = [];
  for (let e = fromExp; e <= toExp; e++) for (const m of mults) out.push(Number(`${m}e${e}`));
  return out;
}

/** Steps are whole numbers, up to the largest a double holds exactly (a step can count samples seen). */
export const stepIncrs = decades(0, 15, [1, 2, 5]);
/** A y axis from 1e-32 (uPlot knows the decimals of these) to a loss that exploded near the largest double. */
export const valueIncrs = decades(-32, 307, [1, 2, 2.5, 5]);

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 2 });

/** Step ticks: 5,000 as usual; 50M where the full digits would run into each other. */
export const stepTicks = (ticks: number[]): string[] => {
  const format = Math.max(0, ...ticks.map(Math.abs)) >= 100_000 ? compact : everyday;
  return ticks.map((v) => format.format(v));
};

/** Steps whose value is not a number a chart can draw (NaN and ±Infinity reach the page as null): the chart says so. */
export function undrawnSteps(points: [number, number | null][]): number[] {
  return points.filter(([, y]) => y === null || !Number.isFinite(y)).map(([x]) => x);
}
