import { intBetween, shuffled, type Rng } from './rng.js';

export type Series = 'IM' | 'NORMAL2-IM' | 'bacteria' | 'virus';

export interface SynthPatient {
  series: Series;
  number: number;
  label: 'NORMAL' | 'PNEUMONIA';
  split: string;
}

const pad4 = (n: number): string => String(n).padStart(4, '0');

export function labelOf(series: Series): 'NORMAL' | 'PNEUMONIA' {
  return series === 'IM' || series === 'NORMAL2-IM' ? 'NORMAL' : 'PNEUMONIA';
}

/** Patient ID under the default `kermany` rule (the bacteria and virus series are numbered independently). */
export function kermanyId(series: Series, n: number): string {
  if (series === 'IM') return `IM-${pad4(n)}`;
  if (series === 'NORMAL2-IM') return `NORMAL2-IM-${pad4(n)}`;
  return `person${n}/${series}`;
}

/** Patient ID under `kermany-strict` (personN is one child across the bacteria and virus series). */
export function strictId(series: Series, n: number): string {
  return series === 'bacteria' || series === 'virus' ? `person${n}` : kermanyId(series, n);
}

/**
 * File names in the Kaggle/Mendeley style. Pneumonia names carry a running image counter (like the
 * real `person258_bacteria_1207`), normal names a per-patient view number.
 */
export class Namer {
  private counter = 1000;
  private readonly views = new Map<string, number>();

  fileName(series: Series, n: number, ext = 'jpeg'): string {
    if (series === 'bacteria' || series === 'virus') return `person${n}_${series}_${this.counter++}.${ext}`;
    const key = `${series}-${n}`;
    const view = (this.views.get(key) ?? 0) + 1;
    this.views.set(key, view);
    return `${series}-${pad4(n)}-${pad4(view)}.${ext}`;
  }
}

/** Hands out person/IM numbers per series; the bacteria and virus ranges overlap on purpose, as in the real set. */
export class NumberPool {
  private readonly used = new Map<Series, Set<number>>();

  constructor(private readonly rng: Rng) {}

  take(series: Series, lo: number, hi: number): number {
    const used = this.used.get(series) ?? new Set<number>();
    this.used.set(series, used);
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const n = intBetween(this.rng, lo, hi);
      if (!used.has(n)) {
        used.add(n);
        return n;
      }
    }
    throw new Error(`no free ${series} number in ${lo}..${hi}`);
  }
}

export function planPatients(rng: Rng, pool: NumberPool, count: number, testFraction: number): SynthPatient[] {
  const seriesCycle: Series[] = ['IM', 'bacteria', 'NORMAL2-IM', 'virus'];
  const patients: SynthPatient[] = [];
  const range = Math.max(20, count);
  for (let i = 0; i < count; i++) {
    const series = seriesCycle[i % seriesCycle.length] as Series;
    patients.push({ series, number: pool.take(series, 1, range), label: labelOf(series), split: 'train' });
  }
  for (const label of ['NORMAL', 'PNEUMONIA'] as const) {
    const ofLabel = shuffled(rng, patients.filter((p) => p.label === label));
    const testCount = Math.max(1, Math.round(ofLabel.length * testFraction));
    for (const p of ofLabel.slice(0, testCount)) p.split = 'test';
  }
  return patients;
}
