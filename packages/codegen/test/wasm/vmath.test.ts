/**
 * The vectorised float32 functions against Math (rounded to float32), over the whole range:
 * special values (±0, ±Infinity, NaN), subnormals, random bit patterns (every exponent), and
 * |x| up to 1e4. Errors in units in the last place of the float32 result; the bounds asserted
 * are the measured maxima (rounded up), stated in the backend's README.
 */
import { describe, expect, it } from "vitest";
import { simdSupported } from "../../src/backends/wasm/encoder.js";
import {
  expF32,
  log1pF32,
  logF32,
  sigmoidF32,
  signF32,
  tanhF32,
} from "../../src/backends/wasm/vmath.js";
import { vectorMaps } from "./instantiate.js";

const FNS = {
  exp: [expF32, Math.exp],
  log: [logF32, Math.log],
  log1p: [log1pF32, Math.log1p],
  tanh: [tanhF32, Math.tanh],
  sign: [signF32, Math.sign],
  sigmoid: [
    sigmoidF32,
    (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  ],
} as const;

const build = () =>
  vectorMaps(Object.fromEntries(Object.entries(FNS).map(([name, [emit]]) => [name, emit])));

const bits = new Int32Array(1);
const flt = new Float32Array(bits.buffer);
/** A float32 as an integer in monotone order (so ulps are differences). */
function ordered(x: number): number {
  flt[0] = x;
  const b = bits[0]!;
  return b < 0 ? -(b & 0x7fffffff) : b;
}
function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (Object.is(got, want)) return 0;
  if (!Number.isFinite(want) || !Number.isFinite(got)) return Infinity;
  if (got === 0 && want === 0) return Infinity; // sign of zero
  return Math.abs(ordered(got) - ordered(want));
}

function inputs(): Float32Array {
  const xs: number[] = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    1,
    -1,
    1e-45,
    -1e-45,
    1e-40,
    -1e-40,
    1.17e-38,
    88.72,
    88.73,
    -87.3,
    -103.9,
    -104.5,
    3.4e38,
    -3.4e38,
    0.625,
    -0.625,
    9,
    -9,
    1e4,
    -1e4,
  ];
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const b = new Int32Array(1);
  const f = new Float32Array(b.buffer);
  for (let i = 0; i < 100000; i++) {
    b[0] = (rnd() * 2 ** 32) | 0; // every exponent, both signs, subnormals, NaNs
    xs.push(f[0]!);
  }
  for (let i = 0; i < 100000; i++) xs.push((rnd() * 2 - 1) * 1e4);
  for (let i = 0; i < 100000; i++) xs.push((rnd() * 2 - 1) * 20);
  for (let i = 0; i < 20000; i++) xs.push((rnd() * 2 - 1) * 1e-3);
  while (xs.length % 4) xs.push(0);
  return Float32Array.from(xs);
}

/** Measured maximum errors (ulps of the float32 result), asserted with these bounds. */
const BOUND: Record<string, number> = { exp: 1, log: 1, log1p: 2, tanh: 1, sign: 0, sigmoid: 2 };

describe.skipIf(!simdSupported())("vectorised float32 math vs Math", () => {
  const { mem, ex } = build();
  const xs = inputs();
  for (const [name, [, ref]] of Object.entries(FNS)) {
    it(`${name}: within ${BOUND[name]} ulp of Math (rounded to float32), specials as Math`, () => {
      const n = xs.length;
      new Float32Array(mem.buffer, 0, n).set(xs);
      ex[name]!(0, n * 4, n * 4);
      const got = new Float32Array(mem.buffer, n * 4, n);
      let worst = 0;
      let at = 0;
      for (let i = 0; i < n; i++) {
        const want = Math.fround((ref as (x: number) => number)(xs[i]!));
        const e = ulps(got[i]!, want);
        const err = e;
        if (err > worst) {
          worst = err;
          at = i;
        }
      }
      console.log(
        `${name}: max ${worst} ulp at x = ${xs[at]} (got ${got[at]}, Math ${Math.fround((ref as (x: number) => number)(xs[at]!))})`,
      );
      expect(worst).toBeLessThanOrEqual(BOUND[name]!);
    });
  }
});
