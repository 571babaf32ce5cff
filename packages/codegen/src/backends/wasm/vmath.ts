/**
 * Vectorised float32 functions as WebAssembly SIMD instruction sequences (f32x4): exp, log,
 * log1p, tanh, sign. Each takes its operand(s) in locals and leaves the f32x4 result on the
 * stack. The algorithms are Cephes' single-precision ones (range reduction with a two-part
 * ln 2, minimax polynomials); special values follow JavaScript's Math: NaN in, NaN out; ±0,
 * ±Infinity and subnormals as Math does (tested against Math over the whole range,
 * test/wasm/vmath.test.ts, which also states the measured maximum errors).
 */
import type { Func, Local } from "./encoder.js";

/** A v128 local holding the result of `emit`. */
export function tmp(f: Func, emit: () => void): Local {
  const l = f.local("v128");
  emit();
  f.set(l);
  return l;
}

/** Horner: c[0]·x^(n−1) + … + c[n−1], leaving the f32x4 value on the stack. */
function horner(f: Func, x: Local, c: readonly number[]): void {
  f.f32x4(c[0]!);
  for (const k of c.slice(1)) f.get(x).op("f32x4.mul").f32x4(k).op("f32x4.add");
}

const LOG2E = Math.LOG2E;
const C1 = 0.693359375;
const C2 = -2.1219444e-4;

/** 1.5·2²³: y + ROUND is y rounded to an integer (ties to even) in the low mantissa bits, |y| < 2²². */
const ROUND = 12582912;

/**
 * The range of x an exp is computed for: "any" (clamped to [−104, 88.8], NaN passes), "≤ 0"
 * (only the lower clamp) or "[0, 20]" (no clamp: the caller's x is in it, or NaN). The value is
 * the same bits for every x in the range: the narrower forms only skip clamps that cannot bind
 * and scale by 2^n in fewer instructions: for [0, 20] one factor instead of two (n ≤ 29: the
 * product is exact), for ≤ 0 the exact p·2^(n+32) then one rounding in ·2^−32 (checked bit for
 * bit against the general form over all 2³² float32 inputs, and in test/wasm/vmathForms.test.ts).
 */
type ExpRange = "any" | "nonpositive" | "upTo20";

/** e^x (Cephes expf): n = round(x·log2 e), r = x − n·ln 2, e^r by a degree-7 polynomial, × 2^n. */
export function expF32(f: Func, x0: Local): void {
  expIn(f, x0, "any");
}

function expIn(f: Func, x0: Local, range: ExpRange): void {
  // clamp (NaN passes through: pmin/pmax keep their first operand when a comparison fails):
  // e^88.8 overflows, e^−104 underflows to 0
  const x =
    range === "upTo20"
      ? x0
      : tmp(f, () => {
          f.get(x0);
          if (range === "any") f.f32x4(88.8).op("f32x4.pmin");
          f.f32x4(-104).op("f32x4.pmax");
        });
  // n = nearest(x·log2 e), and as an integer, through the bits of t = x·log2 e + ROUND (exactly
  // f32x4.nearest and its truncation for |n| ≤ 150, in two adds instead of a round and a
  // saturating conversion)
  const t = tmp(f, () => f.get(x).f32x4(LOG2E).op("f32x4.mul").f32x4(ROUND).op("f32x4.add"));
  const n = tmp(f, () => f.get(t).f32x4(ROUND).op("f32x4.sub"));
  const r = tmp(f, () => {
    f.get(x).get(n).f32x4(C1).op("f32x4.mul").op("f32x4.sub");
    f.get(n).f32x4(C2).op("f32x4.mul").op("f32x4.sub");
  });
  const z = tmp(f, () => f.get(r).get(r).op("f32x4.mul"));
  // p = P(r)·r² + r + 1
  const p = tmp(f, () => {
    horner(
      f,
      r,
      [
        1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1,
        5.0000001201e-1,
      ],
    );
    f.get(z).op("f32x4.mul").get(r).op("f32x4.add").f32x4(1).op("f32x4.add");
  });
  // 2^(n+k) from t's bits, without n as an integer: t = ROUND + n exactly, so bits(t) =
  // 0x4b400000 + n, and (bits(t) + 127 + k) << 23 keeps only the low 9 bits of the sum, where
  // 0x4b400000 has zeros: it is (n + 127 + k) << 23 for 0 < n + 127 + k < 255
  const pow2 = (k: number) =>
    f
      .get(t)
      .i32x4(127 + k)
      .op("i32x4.add")
      .i32(23)
      .op("i32x4.shl");
  f.get(p);
  if (range === "upTo20") {
    // n ∈ [0, 29]: 2^n is a normal float
    pow2(0);
    f.op("f32x4.mul");
    return;
  }
  if (range === "nonpositive") {
    // n ∈ [−150, 0]: p·2^(n+32) is exact (a normal float: p > 0.7, n + 32 ≥ −118), then one
    // rounding in · 2^−32, the same as the general form's two factors (the first exact)
    pow2(32);
    f.op("f32x4.mul")
      .f32x4(2 ** -32)
      .op("f32x4.mul");
    return;
  }
  // 2^n as two factors 2^n1 · 2^n2 (n ∈ [−150, 128]: each factor stays a normal float)
  const ni = tmp(f, () => f.get(t).f32x4(ROUND).op("i32x4.sub"));
  const n1 = tmp(f, () => f.get(ni).i32(1).op("i32x4.shr_s"));
  const pow2n = (k: () => void) => {
    k();
    f.i32x4(127).op("i32x4.add").i32(23).op("i32x4.shl");
  };
  pow2n(() => f.get(n1));
  f.op("f32x4.mul");
  pow2n(() => f.get(ni).get(n1).op("i32x4.sub"));
  f.op("f32x4.mul");
}

const SIGN = 0x80000000 | 0;

/** tanh (Cephes tanhf): an odd polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) above; sign of x. */
export function tanhF32(f: Func, x: Local): void {
  // |x| and, at the end, |t| by clearing the sign bit against the one mask (f32x4.abs's bits)
  const sign = tmp(f, () => f.i32x4(SIGN));
  const a = tmp(f, () => f.get(x).get(sign).op("v128.andnot"));
  const z = tmp(f, () => f.get(x).get(x).op("f32x4.mul"));
  // small: x + x·z·P(z)
  const small = tmp(f, () => {
    horner(
      f,
      z,
      [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1],
    );
    f.get(z).op("f32x4.mul").get(x).op("f32x4.mul").get(x).op("f32x4.add");
  });
  // e^{2|x|} for 2|x| ≤ 20; above, 1 − 2/(e + 1) rounds to 1 for e = e^20 as for any larger e
  // (2/(e + 1) < 2^−27), so the clamp leaves every result as it was
  const a2 = tmp(f, () => f.get(a).get(a).op("f32x4.add").f32x4(20).op("f32x4.pmin"));
  const e = tmp(f, () => expIn(f, a2, "upTo20"));
  const big = tmp(f, () => {
    f.f32x4(1).f32x4(2).get(e).f32x4(1).op("f32x4.add").op("f32x4.div").op("f32x4.sub");
  });
  // pick, then |t| with x's sign (keeps tanh(−0) = −0)
  f.get(small).get(big).get(a).f32x4(0.625).op("f32x4.lt").op("v128.bitselect");
  f.get(sign).op("v128.andnot").get(x).get(sign).op("v128.and").op("v128.or");
}

const SQRTHF = Math.SQRT1_2;

/** log (Cephes logf): x = m·2^e with m ∈ [√½, √2), log m by a degree-9 polynomial. */
export function logF32(f: Func, x0: Local): void {
  // subnormals: scale by 2^23 first
  const sub = tmp(f, () => f.get(x0).f32x4(1.1754943508222875e-38).op("f32x4.lt"));
  const x = tmp(f, () => {
    f.get(x0).f32x4(8388608).op("f32x4.mul").get(x0).get(sub).op("v128.bitselect");
  });
  // e = biased exponent − 126 (frexp: m ∈ [0.5, 1)), minus 23 for scaled subnormals
  const e0 = tmp(f, () => {
    f.get(x).i32(23).op("i32x4.shr_u").i32x4(126).op("i32x4.sub");
    f.get(sub).i32x4(23).op("v128.and").op("i32x4.sub");
  });
  const m0 = tmp(f, () => {
    f.get(x).i32x4(0x007fffff).op("v128.and").i32x4(0x3f000000).op("v128.or");
  });
  // m < √½: e −= 1, m = 2m − 1; else m = m − 1
  const lo = tmp(f, () => f.get(m0).f32x4(SQRTHF).op("f32x4.lt"));
  const ef = tmp(f, () => {
    f.get(e0).get(lo).op("i32x4.add").op("f32x4.convert_i32x4_s");
  });
  const m = tmp(f, () => {
    f.get(m0).get(m0).get(lo).op("v128.and").op("f32x4.add").f32x4(1).op("f32x4.sub");
  });
  const z = tmp(f, () => f.get(m).get(m).op("f32x4.mul"));
  const y = tmp(f, () => {
    horner(
      f,
      m,
      [
        7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1,
        -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
      ],
    );
    f.get(m).op("f32x4.mul").get(z).op("f32x4.mul");
    f.get(ef).f32x4(C2).op("f32x4.mul").op("f32x4.add");
    f.get(z).f32x4(0.5).op("f32x4.mul").op("f32x4.sub");
  });
  const r = tmp(f, () => {
    f.get(m).get(y).op("f32x4.add").get(ef).f32x4(C1).op("f32x4.mul").op("f32x4.add");
  });
  // specials: x = +∞ → +∞, x = 0 → −∞, x < 0 or NaN → NaN
  f.f32x4(Number.POSITIVE_INFINITY).get(r).get(x0).f32x4(Number.POSITIVE_INFINITY);
  f.op("f32x4.eq").op("v128.bitselect");
  f.set(r);
  f.f32x4(Number.NEGATIVE_INFINITY).get(r).get(x0).f32x4(0).op("f32x4.eq").op("v128.bitselect");
  f.set(r);
  f.get(r).f32x4(Number.NaN).get(x0).f32x4(0).op("f32x4.ge").op("v128.bitselect");
}

/** log1p: u = 1 + x; x where u = 1, else log(u)·(x/(u − 1)) (exact up to log's error); +∞ → +∞. */
export function log1pF32(f: Func, x: Local): void {
  const u = tmp(f, () => f.get(x).f32x4(1).op("f32x4.add"));
  const lu = tmp(f, () => logF32(f, u));
  const v = tmp(f, () => {
    // x / (u − 1) ≈ 1 first: log(u)·x would overflow for x near the float32 maximum
    f.get(lu).get(x).get(u).f32x4(1).op("f32x4.sub").op("f32x4.div").op("f32x4.mul");
  });
  f.get(x).get(v).get(u).f32x4(1).op("f32x4.eq").op("v128.bitselect").set(v);
  f.get(x).get(v).get(x).f32x4(Number.POSITIVE_INFINITY).op("f32x4.eq").op("v128.bitselect");
}

/** Math.sign: ±1, and x itself for ±0 and NaN. */
export function signF32(f: Func, x: Local): void {
  f.f32x4(1).f32x4(-1).get(x).f32x4(0).op("f32x4.gt").op("v128.bitselect");
  f.get(x);
  // |x| > 0 (false for ±0, NaN): the ±1, else x
  f.get(x).op("f32x4.abs").f32x4(0).op("f32x4.gt").op("v128.bitselect");
}

/** σ(x) with one exp and one division: e = e^−|x|, r = 1/(1 + e); r for x ≥ 0, e·r below (no overflow). */
export function sigmoidF32(f: Func, x: Local): void {
  // −|x|: x with its sign bit set (the bits of neg(abs(x)), NaN included)
  const n = tmp(f, () => f.get(x).i32x4(SIGN).op("v128.or"));
  const e = tmp(f, () => expIn(f, n, "nonpositive"));
  // one division: r = 1/(1 + e), and e·r below 0
  const r = tmp(f, () => f.f32x4(1).f32x4(1).get(e).op("f32x4.add").op("f32x4.div"));
  // e·r where x < 0, else r (x ≥ 0, or NaN: then both are NaN)
  f.get(e).get(r).op("f32x4.mul");
  f.get(r);
  f.get(x).f32x4(0).op("f32x4.lt").op("v128.bitselect");
}
