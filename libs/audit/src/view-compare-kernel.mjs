// Plain JavaScript on purpose (like near-kernel.mjs, which re-exports it): the verification worker threads
// import it without a TypeScript loader. The view comparison of the audit's verification stage; a pure
// function of two canonical views. Types: near-kernel.d.mts.

/** side of the canonical view every comparison uses */
const VIEW_SIZE = 64;

/** Views as zero-mean float images, ready for correlation (optionally mirrored). */
export function centred(view, flip = false) {
  const n = view.length;
  const s = Math.round(Math.sqrt(n));
  let mean = 0;
  for (let i = 0; i < n; i++) mean += view[i];
  mean /= n;
  const out = new Float32Array(n);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) out[y * s + x] = view[y * s + (flip ? s - 1 - x : x)] - mean;
  return out;
}

/** Halves a square float image (2×2 means): the coarse level of the search. */
function halve(img, s) {
  const h = s / 2;
  const out = new Float32Array(h * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < h; x++) out[y * h + x] = (img[2 * y * s + 2 * x] + img[2 * y * s + 2 * x + 1] + img[(2 * y + 1) * s + 2 * x] + img[(2 * y + 1) * s + 2 * x + 1]) / 4;
  return out;
}

const THETA = 0, SX = 1, SY = 2, TX = 3, TY = 4;

/**
 * One level of the search: two float images of side s, the correlation of a point (θ, sx, sy, tx, ty) and a
 * memo of the points already evaluated at this level. Hill climbing re-evaluates the point it came from
 * (after a move, one step back is the same double) and the starts of different climbs meet; a repeated point
 * is looked up by its exact coordinates, so every score is the same double as evaluating it again.
 */
class Level {
  constructor(a, b, s, marginFrac) {
    // the same values as the float images (float32 → double is exact), read without conversion in the hot loop
    this.a = Float64Array.from(a);
    this.b = Float64Array.from(b);
    this.s = s;
    this.marginFrac = marginFrac;
    // open addressing on the coordinates' bits, in tables shared by every level: compareViews uses one level
    // at a time, and a level evaluates a few hundred points at most
    this.points = memoPoints;
    this.scores = memoScores;
    this.used = memoUsed.fill(0);
    this.count = 0;
  }

  score(p) {
    keyPoint.set(p);
    let h = 0;
    for (let i = 0; i < 10; i++) h = Math.imul(h ^ keyBits[i], 0x9e3779b1);
    const { points, used } = this;
    for (let slot = (h >>> 0) % MEMO_SLOTS; ; slot = (slot + 1) % MEMO_SLOTS) {
      const o = 5 * slot;
      if (!used[slot]) {
        const r = correlationAt(this.a, this.b, this.s, p[THETA], p[SX], p[SY], p[TX], p[TY], this.marginFrac);
        // a full table stops memoising (never happens at the step sizes used) instead of growing
        if (this.count < MEMO_SLOTS / 2) {
          used[slot] = 1;
          points.set(p, o);
          this.scores[slot] = r;
          this.count++;
        }
        return r;
      }
      if (points[o] === p[THETA] && points[o + 1] === p[SX] && points[o + 2] === p[SY] && points[o + 3] === p[TX] && points[o + 4] === p[TY]) return this.scores[slot];
    }
  }
}

const MEMO_SLOTS = 1024;
const memoPoints = new Float64Array(5 * MEMO_SLOTS);
const memoScores = new Float64Array(MEMO_SLOTS);
const memoUsed = new Uint8Array(MEMO_SLOTS);
const keyPoint = new Float64Array(5);
const keyBits = new Uint32Array(keyPoint.buffer);

/**
 * Pearson correlation between the central window of b (all but `marginFrac` of each side) and a sampled
 * bilinearly at p_a = c + R(θ)·diag(sx, sy)·(p_b − c) + (tx, ty)·s. Pixels that map outside a are skipped.
 */
function correlationAt(a, b, s, theta, psx, psy, ptx, pty, marginFrac) {
  const c = (s - 1) / 2;
  const m = Math.floor(s * marginFrac);
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const m00 = cos * psx, m01 = -sin * psy, m10 = sin * psx, m11 = cos * psy;
  const tx = c + ptx * s, ty = c + pty * s;
  const edge = s - 1;
  let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0, n = 0;
  for (let y = m; y < s - m; y++) {
    const dy = y - c;
    let ax = m00 * (m - c) + m01 * dy + tx;
    let ay = m10 * (m - c) + m11 * dy + ty;
    const row = y * s;
    // the samples of a row lie on a segment: when both of its ends are inside with room to spare (far more than
    // the rounding of the running sums), no sample of the row can fall outside and the row needs no checks
    const steps = s - 2 * m - 1;
    const axEnd = ax + m00 * steps;
    const ayEnd = ay + m10 * steps;
    if (Math.min(ax, axEnd, ay, ayEnd) > 1e-6 && Math.max(ax, axEnd, ay, ayEnd) < edge - 1e-6) {
      for (let x = m; x < s - m; x++, ax += m00, ay += m10) {
        const x0 = ax | 0, y0 = ay | 0;
        const fx = ax - x0, fy = ay - y0;
        const gx = 1 - fx;
        const i = y0 * s + x0;
        const va = (a[i] * gx + a[i + 1] * fx) * (1 - fy) + (a[i + s] * gx + a[i + s + 1] * fx) * fy;
        const vb = b[row + x];
        sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
      }
      n += steps + 1;
      continue;
    }
    for (let x = m; x < s - m; x++, ax += m00, ay += m10) {
      if (ax < 0 || ay < 0 || ax >= edge || ay >= edge) continue;
      const x0 = ax | 0, y0 = ay | 0;
      const fx = ax - x0, fy = ay - y0;
      const gx = 1 - fx;
      const i = y0 * s + x0;
      const va = (a[i] * gx + a[i + 1] * fx) * (1 - fy) + (a[i + s] * gx + a[i + s + 1] * fx) * fy;
      const vb = b[row + x];
      sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb; n++;
    }
  }
  const inner = (s - 2 * m) * (s - 2 * m);
  if (n < inner * 0.6) return -1;
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : -1;
}

export const defaultSearch = { maxRotation: (6 * Math.PI) / 180, maxStretch: 0.16, maxShift: 0.08, marginFrac: 0.1 };

function inRange(p, search) {
  return Math.abs(p[THETA]) <= search.maxRotation && Math.abs(p[SX] - 1) <= search.maxStretch && Math.abs(p[SY] - 1) <= search.maxStretch && Math.abs(p[TX]) <= search.maxShift && Math.abs(p[TY]) <= search.maxShift;
}

/** Hill climbing on (θ, sx, sy, tx, ty) from `start`, steps halving until they are fine. */
function climb(level, start, search, steps) {
  const at = Float64Array.from(start);
  const next = new Float64Array(5);
  let r = level.score(at);
  let step = steps.firstStep ?? 1;
  while (step >= steps.minStep) {
    let moved = false;
    for (let u = 0; u < coarseUnits.length; u++) {
      const key = coarseUnits[u][0];
      const unit = coarseUnits[u][1];
      for (let sign = 1; sign >= -1; sign -= 2) {
        next.set(at);
        next[key] = at[key] + sign * unit * step;
        if (!inRange(next, search)) continue;
        const rn = level.score(next);
        if (rn > r + 1e-6) {
          r = rn;
          at.set(next);
          moved = true;
        }
      }
    }
    if (!moved) step /= 2;
  }
  return { r, at };
}

const coarseUnits = [
  [THETA, (2 * Math.PI) / 180],
  [SX, 0.04],
  [SY, 0.04],
  [TX, 0.03],
  [TY, 0.03],
];

/**
 * Max correlation of two canonical views over mirror × rotation (±6°) × independent stretch per axis
 * (±16%: one-sided crops of up to ~12% and residual borders) × shift (±8%), coarse to fine on a pyramid:
 * hill climbing on 16×16 from a few rotations (and both mirrors unless `flip` is known), the best start refined
 * on 32×32 — where pairs that cannot reach the threshold are dropped — and then on the full 64×64 views.
 * Different radiographs stay well below edited copies (README: the measured margin).
 */
export function compareViews(viewA, viewB, options = {}) {
  const search = { ...defaultSearch, ...options.search };
  const s = VIEW_SIZE;
  const flips = options.flip === undefined ? [false, true] : [options.flip];
  const b64 = centred(viewB);
  const b32 = halve(b64, s);
  const b16 = halve(b32, s / 2);
  const first = { theta: 0, sx: 1, sy: 1, tx: 0, ty: 0, ...options.start };
  let best = { r: -2, at: undefined, a64: undefined };
  for (const flip of flips) {
    const a64 = centred(viewA, flip);
    const level = new Level(halve(halve(a64, s), s / 2), b16, s / 4, search.marginFrac);
    for (const theta of [0, (-3 * Math.PI) / 180, (3 * Math.PI) / 180]) {
      const start = options.start?.theta === undefined ? theta : first.theta;
      const got = climb(level, [start, first.sx, first.sy, first.tx, first.ty], search, { minStep: 0.5 });
      if (got.r > best.r) best = { ...got, a64 };
    }
  }
  if (options.stats) options.stats.r16 = best.r;
  if (best.r < (options.earlyReject ?? -1)) return best.r;
  const mid = climb(new Level(halve(best.a64, s), b32, s / 2, search.marginFrac), best.at, search, { minStep: 0.125, firstStep: 0.5 });
  if (options.stats) options.stats.r32 = mid.r;
  if (mid.r < (options.coarseReject ?? 0.9)) return mid.r;
  return climb(new Level(best.a64, b64, s, search.marginFrac), mid.at, search, { minStep: 0.03, firstStep: 0.125 }).r;
}
