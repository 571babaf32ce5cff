/**
 * tanh and σ use narrowed forms of exp (vmath.ts: one clamp, one 2^n factor where the argument's
 * range allows). These must not change a single result: both are checked bit for bit against the
 * straightforward forms written here with the general expF32 — tanh: x + x·z·P(z) below
 * |x| = 0.625, else 1 − 2/(e^{2|x|} + 1), with x's sign; σ: e = e^{−|x|}, r = 1/(1 + e), r for
 * x ≥ 0 (or NaN), e·r below — over special values, subnormals, every exponent, and dense sweeps
 * around the thresholds (0.625, the clamps 10 and 20 of 2|x|, exp's ±88.8/−104).
 */
import { describe, expect, it } from "vitest";
import { type Func, type Local, simdSupported } from "../../src/backends/wasm/encoder.js";
import { expF32, sigmoidF32, tanhF32, tmp } from "../../src/backends/wasm/vmath.js";
import { vectorMaps } from "./instantiate.js";

const SIGN = 0x80000000 | 0;

function horner(f: Func, x: Local, c: readonly number[]): void {
  f.f32x4(c[0]!);
  for (const k of c.slice(1)) f.get(x).op("f32x4.mul").f32x4(k).op("f32x4.add");
}

/** The plain tanh: both branches with the general exp, picked per lane. */
function tanhPlain(f: Func, x: Local): void {
  const a = tmp(f, () => f.get(x).op("f32x4.abs"));
  const z = tmp(f, () => f.get(x).get(x).op("f32x4.mul"));
  const small = tmp(f, () => {
    horner(
      f,
      z,
      [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1],
    );
    f.get(z).op("f32x4.mul").get(x).op("f32x4.mul").get(x).op("f32x4.add");
  });
  const a2 = tmp(f, () => f.get(a).get(a).op("f32x4.add"));
  const e = tmp(f, () => expF32(f, a2));
  const big = tmp(f, () => {
    f.f32x4(1).f32x4(2).get(e).f32x4(1).op("f32x4.add").op("f32x4.div").op("f32x4.sub");
  });
  f.get(small).get(big).get(a).f32x4(0.625).op("f32x4.lt").op("v128.bitselect");
  f.op("f32x4.abs").get(x).i32x4(SIGN).op("v128.and").op("v128.or");
}

/** The plain σ: e^{−|x|} by the general exp. */
function sigmoidPlain(f: Func, x: Local): void {
  const n = tmp(f, () => f.get(x).op("f32x4.abs").op("f32x4.neg"));
  const e = tmp(f, () => expF32(f, n));
  const r = tmp(f, () => f.f32x4(1).f32x4(1).get(e).op("f32x4.add").op("f32x4.div"));
  f.get(r);
  f.get(e).get(r).op("f32x4.mul");
  f.get(x).f32x4(0).op("f32x4.lt").op("v128.not").op("v128.bitselect");
}

const FNS = { tanh: tanhF32, tanhPlain, sigmoid: sigmoidF32, sigmoidPlain } as const;

const build = () => vectorMaps(FNS, 256);

function inputs(): Uint32Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out: number[] = [];
  const push = (x: number) => {
    f[0] = x;
    out.push(u[0]!);
  };
  for (const x of [0, -0, Infinity, -Infinity, NaN, 1e-45, -1e-45, 3.4e38, -3.4e38]) push(x);
  // NaNs with payloads and both signs
  out.push(0x7fc00001, 0xffc00000, 0x7f800001, 0xff812345);
  let s = 2024;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < 200000; i++) out.push(rnd()); // every bit pattern
  // dense runs of consecutive floats around the thresholds, both signs
  for (const c of [0.625, 5, 10, 20, 44.4, 52, 88.8, 104, 1e-3]) {
    f[0] = c;
    const b = u[0]!;
    for (let d = -2000; d <= 2000; d++) {
      out.push(b + d);
      out.push((b + d) | SIGN);
    }
  }
  for (let i = 0; i < 100000; i++) {
    push(((rnd() / 2 ** 32) * 2 - 1) * 30);
    push(((rnd() / 2 ** 32) * 2 - 1) * 200);
  }
  while (out.length % 4) out.push(0);
  return Uint32Array.from(out);
}

describe.skipIf(!simdSupported())("vmath's narrowed exp forms", () => {
  const { mem, ex } = build();
  const xs = inputs();
  const n = xs.length;
  const run = (name: string) => {
    new Uint32Array(mem.buffer, 0, n).set(xs);
    ex[name]!(0, n * 4, n * 4);
    return Uint32Array.from(new Uint32Array(mem.buffer, n * 4, n));
  };
  for (const name of ["tanh", "sigmoid"]) {
    it(`${name}: bit for bit the plain form (general exp) on ${n} inputs`, () => {
      const got = run(name);
      const want = run(`${name}Plain`);
      const k = got.findIndex((g, i) => g !== want[i]);
      const f = new Float32Array(Uint32Array.of(xs[k] ?? 0, got[k] ?? 0, want[k] ?? 0).buffer);
      expect(k < 0 ? "same" : `x = ${f[0]}: got ${f[1]}, plain ${f[2]}`).toBe("same");
    });
  }
});
