/**
 * Patient-bootstrap speed: `evaluate` (precomputed per-patient counts + one pass per replicate over a
 * fixed sort order) against a naive baseline that materialises every resample and recomputes the metrics
 * from scratch (re-sorting each time), on the same data in the same run.
 * Run: node --import tsx bench/evaluator-bootstrap.ts
 */
import { computeMetrics, evaluate, mulberry32, type Prediction } from '@leakproof/evaluator';

function synthetic(seed: number, patients: number, maxImages: number): Prediction[] {
  const random = mulberry32(seed);
  const rows: Prediction[] = [];
  for (let p = 0; p < patients; p++) {
    const label: 0 | 1 = random() < 0.7 ? 1 : 0;
    const images = 1 + Math.floor(random() * maxImages);
    for (let i = 0; i < images; i++) {
      const prob = Math.min(1, Math.max(0, (label ? 0.7 : 0.3) + (random() - 0.5) * 0.8));
      rows.push({ path: `p${p}/${i}.png`, patient: `p${p}`, label, prob });
    }
  }
  return rows;
}

function naiveBootstrap(rows: readonly Prediction[], replicates: number, seed: number): void {
  const byPatient = new Map<string, Prediction[]>();
  for (const r of rows) byPatient.set(r.patient, [...(byPatient.get(r.patient) ?? []), r]);
  const groups = [...byPatient.values()];
  const random = mulberry32(seed);
  for (let r = 0; r < replicates; r++) {
    const sample: Prediction[] = [];
    for (let d = 0; d < groups.length; d++) sample.push(...(groups[Math.floor(random() * groups.length)] ?? []));
    computeMetrics(sample, 0.5);
  }
}

const time = (fn: () => void): number => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

for (const [patients, maxImages] of [[400, 4], [2000, 4]] as const) {
  const rows = synthetic(1, patients, maxImages);
  evaluate({ predictions: rows.slice(0, 200), threshold: 0.5, bootstrap: { replicates: 50 } }); // warm-up
  const fast = time(() => evaluate({ predictions: rows, threshold: 0.5, bootstrap: { replicates: 1000, seed: 1 } }));
  const naiveReplicates = 200;
  const naive = (time(() => naiveBootstrap(rows, naiveReplicates, 1)) * 1000) / naiveReplicates;
  console.log(
    `${rows.length} images / ${patients} patients, 1000 replicates: evaluate (image + patient level) ${fast.toFixed(0)} ms; ` +
      `naive image-level resample+recompute ≈ ${naive.toFixed(0)} ms (extrapolated from ${naiveReplicates}); ratio ${(naive / fast).toFixed(1)}×`,
  );
}
