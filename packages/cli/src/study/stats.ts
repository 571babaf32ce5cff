/**
 * The statistics a study reports: mean ± sample standard deviation, Welch's unequal-variance
 * t-test (two-sided), Holm's step-down correction over the variants compared with the reference,
 * and ranks. The t distribution's tail comes from the regularised incomplete beta function,
 * I_{ν/(ν+t²)}(ν/2, 1/2) = P(|T_ν| ≥ |t|), evaluated by Lentz's continued fraction.
 */

export interface Sample {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for n < 2. */
  readonly std: number;
}

export function sample(xs: readonly number[]): Sample {
  const n = xs.length;
  const mean = n ? xs.reduce((a, b) => a + b, 0) / n : Number.NaN;
  const ss = xs.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { n, mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0 };
}

export interface WelchResult {
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly df: number;
  /** Two-sided p-value; NaN when either sample has fewer than 2 values. */
  readonly p: number;
}

/** Welch's t-test of mean(a) = mean(b), two-sided. */
export function welch(a: readonly number[], b: readonly number[]): WelchResult {
  const x = sample(a);
  const y = sample(b);
  if (x.n < 2 || y.n < 2) return { t: Number.NaN, df: Number.NaN, p: Number.NaN };
  // standard errors, combined without squaring tiny variances into underflow
  const ea = x.std / Math.sqrt(x.n);
  const eb = y.std / Math.sqrt(y.n);
  const se = Math.hypot(ea, eb);
  const diff = x.mean - y.mean;
  if (se === 0) {
    // both samples constant: equal means cannot be told apart, different ones always can
    const df = x.n + y.n - 2;
    return diff === 0 ? { t: 0, df, p: 1 } : { t: Math.sign(diff) * Infinity, df, p: 0 };
  }
  const t = diff / se;
  // Welch–Satterthwaite, on ratios to the larger standard error (scale-free)
  const m = Math.max(ea, eb);
  const ra = (ea / m) ** 2;
  const rb = (eb / m) ** 2;
  const df = (ra + rb) ** 2 / ((ra * ra) / (x.n - 1) + (rb * rb) / (y.n - 1));
  return { t, df, p: tTwoSided(t, df) };
}

/** P(|T_df| ≥ |t|) for Student's t with df > 0 degrees of freedom. */
export function tTwoSided(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  // for small |t| the complement keeps the digits that 1 − t²/(ν + t²) would round away
  if (t2 < df) return 1 - incompleteBeta(t2 / (df + t2), 0.5, df / 2);
  return incompleteBeta(df / (df + t2), df / 2, 0.5);
}

/** The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront =
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  const front = Math.exp(lnFront);
  // the continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    // even step, then odd step of the continued fraction
    for (const num of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + num * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  const z = x - 1;
  let s = c[0]!;
  for (let i = 1; i < g + 2; i++) s += c[i]! / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Holm's step-down adjustment of p-values (NaN stays NaN and is not counted). */
export function holm(ps: readonly number[]): number[] {
  const order = ps
    .map((p, i) => ({ p, i }))
    .filter((e) => !Number.isNaN(e.p))
    .sort((u, v) => u.p - v.p);
  const m = order.length;
  const out = ps.map(() => Number.NaN);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    out[i] = running;
  });
  return out;
}

/** Ranks 1…n of `scores` (1 = best; ties share the mean rank). */
export function ranks(scores: readonly number[], higherIsBetter: boolean): number[] {
  const idx = scores.map((s, i) => ({ s: higherIsBetter ? -s : s, i })).sort((u, v) => u.s - v.s);
  const out = new Array<number>(scores.length);
  for (let k = 0; k < idx.length; ) {
    let e = k;
    while (e + 1 < idx.length && idx[e + 1]!.s === idx[k]!.s) e++;
    for (let j = k; j <= e; j++) out[idx[j]!.i] = (k + e) / 2 + 1;
    k = e + 1;
  }
  return out;
}
