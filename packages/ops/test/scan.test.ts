import { fc, test as fcTest } from "@fast-check/vitest";
import { evaluate, grad, input, jvp, printLatex, printText } from "@gated/graph";
import { cumprod, cumsum, scan, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

/** The running sum and product, written out as loops (the reference). */
const loopSum = (x: readonly number[]) => {
  let s = 0;
  return x.map((v, i) => (s = i === 0 ? v : s + v));
};
const loopProd = (x: readonly number[]) => {
  let p = 1;
  return x.map((v, i) => (p = i === 0 ? v : p * v));
};
/** ∂/∂x_k of Σ_i u_i·Π_{j≤i} x_j, from the definition: no division, exact at zeros. */
const prodGrad = (x: readonly number[], u: readonly number[]) =>
  x.map((_, k) => {
    let g = 0;
    for (let i = k; i < x.length; i++) {
      let p = u[i]!;
      for (let j = 0; j <= i; j++) if (j !== k) p *= x[j]!;
      g += p;
    }
    return g;
  });

const x = input("x", ["H"]);
const u = input("u", ["H"]);

describe("scan", () => {
  test("y₀ = b₀, yᵢ = aᵢ·yᵢ₋₁ + bᵢ, and from the end when reversed; a₀ is never read", () => {
    const a = input("a", [4]);
    const b = input("b", [4]);
    const vals = { a: [Number.NaN, 2, -1, 0.5], b: [1, 2, 3, 4] };
    expect(Array.from(evaluate(scan(a, b), vals))).toEqual([1, 4, -1, 3.5]);
    const rev = { a: [2, -1, 0.5, Number.POSITIVE_INFINITY], b: [1, 2, 3, 4] };
    expect(Array.from(evaluate(scan(a, b, true), rev))).toEqual([-5, -3, 5, 4]);
  });
  test("scans each row of a matrix along the last axis", () => {
    const m = input("m", [2, "H"]);
    expect(Array.from(evaluate(cumsum(m), { m: [1, 2, 3, 4, 5, 6] }, { H: 3 }))).toEqual([
      1, 3, 6, 4, 9, 15,
    ]);
    expect(Array.from(evaluate(cumprod(m), { m: [1, 2, 3, 4, 5, 6] }, { H: 3 }))).toEqual([
      1, 2, 6, 4, 20, 120,
    ]);
    // axis 0 of a matrix: down the columns
    expect(Array.from(evaluate(cumsum(m, 0), { m: [1, 2, 3, 4, 5, 6] }, { H: 3 }))).toEqual([
      1, 2, 3, 5, 7, 9,
    ]);
  });
  test("shape errors name the shapes", () => {
    expect(() => scan(input("p", [3]), input("q", [4]))).toThrow(
      /^scan: coefficients \[3\] and terms \[4\] do not broadcast/,
    );
    expect(() => cumsum(input("s", []))).toThrow(/cumsum: expected at least one axis/);
    expect(() => cumsum(input("t", [2, 2, 2]), 0)).toThrow(/only the last axis/);
    expect(() => scan(input("p", [3]), input("q", [3]), 1 as unknown as boolean)).toThrow(
      /reverse must be true or false/,
    );
  });
  test("folds: zero coefficients give the terms, zero terms give zeros", () => {
    expect(scan(0, x)).toBe(x);
    expect(printText(cumsum(x))).toBe("cumsum(x)");
    expect(printText(scan(1, x, true))).toBe("scan(1, x; reverse)");
    expect(printLatex(cumsum(x))).toBe("\\operatorname{cumsum}\\left(x\\right)");
  });
  test("cumprod prints as the call that built it, a scan of other terms as a scan", () => {
    expect(printText(cumprod(x))).toBe("cumprod(x)");
    expect(printLatex(cumprod(x))).toBe("\\operatorname{cumprod}\\left(x\\right)");
    // the same coefficients with other terms, or reversed, stay scans
    expect(printText(scan(x, u))).toBe("scan(x, u)");
    expect(printText(scan(x, cumprod(x).inputs[1]!, true))).toMatch(/^scan\(x, concat\(/);
  });
  test("gradients match central differences, both directions, w.r.t. a and b", () => {
    const a = input("a", [5]);
    const b = input("b", [5]);
    const w = input("w", [5]);
    const vals = {
      a: [0.3, -1.2, 0.8, 1.1, -0.5],
      b: [1, -2, 0.5, 0.25, 2],
      w: [1, 2, -1, 0.5, 3],
    };
    for (const rev of [false, true]) {
      const y = sum(scan(a, b, rev).mul(w));
      checkGrad(y, [a, b], vals);
      // a second-order check: the gradient's own gradient
      const [ga] = grad(y, [a]);
      checkGrad(sum(ga!.mul(ga!)), [a, b], vals, {}, 1e-7);
    }
  });
  test("cumsum's and cumprod's gradients match central differences", () => {
    const vals = { x: [0.5, -1.5, 2, 0.25, -0.75], u: [1, -2, 3, 0.5, 1.5] };
    checkGrad(sum(cumsum(x).mul(u)), [x], vals, { H: 5 });
    checkGrad(sum(cumprod(x).mul(u)), [x], vals, { H: 5 });
    checkGrad(sum(cumprod(x).mul(cumsum(x))), [x], vals, { H: 5 });
  });
  test("cumprod's gradient is exact where x has zeros (no division)", () => {
    const [g] = grad(sum(cumprod(x).mul(u)), [x]);
    for (const xs of [
      [2, 0, 3, -1, 0.5],
      [0, 0, 3, -1, 0.5],
      [1.5, -2, 0.5, 3, 0],
      [0, 1, 1, 1, 1],
    ]) {
      const us = [1, -2, 3, 0.5, 1.5];
      const got = Array.from(evaluate(g!, { x: xs, u: us }, { H: 5 }));
      const want = prodGrad(xs, us);
      got.forEach((v, k) => {
        expect(Number.isFinite(v), `∂x${k} at ${xs}`).toBe(true);
        expect(v, `∂x${k} at ${xs}`).toBeCloseTo(want[k]!, 12);
      });
      // a polynomial: central differences are exact up to rounding, zeros included
      checkGrad(sum(cumprod(x).mul(u)), [x], { x: xs, u: us }, { H: 5 });
    }
  });
  test("jvp agrees with vjp", () => {
    const a = input("a", [4]);
    const b = input("b", [4]);
    const ta = input("ta", [4]);
    const tb = input("tb", [4]);
    const w = input("w", [4]);
    const vals = { a: [0.5, -1, 2, 0.7], b: [1, 0, -1, 2], w: [1, -1, 0.5, 2] };
    const tv = { ta: [0.3, 0.1, -0.2, 1], tb: [-1, 0.5, 0.25, 0.1] };
    for (const rev of [false, true]) {
      const y = scan(a, b, rev);
      const [ju] = evaluate(jvp([y], [a, b], [ta, tb]), { ...vals, ...tv });
      const [ga, gb] = evaluate(grad(sum(y.mul(w)), [a, b]), vals);
      const lhs = ju!.reduce((s, v, i) => s + v * vals.w[i]!, 0);
      const rhs =
        ga!.reduce((s, v, i) => s + v * tv.ta[i]!, 0) +
        gb!.reduce((s, v, i) => s + v * tv.tb[i]!, 0);
      expect(lhs).toBeCloseTo(rhs, 12);
    }
  });
});

/** Values with zeros and negatives, as a property test draws them. */
const values = fc.array(
  fc.oneof(
    fc.constant(0),
    fc.double({ min: -3, max: 3, noNaN: true }),
    fc.integer({ min: -4, max: 4 }),
  ),
  { minLength: 1, maxLength: 9 },
);

describe("cumsum and cumprod against loops (property)", () => {
  fcTest.prop([values], { seed: 1205, numRuns: 150 })(
    "values equal the loops exactly (as numbers), zeros and negatives included",
    (xs) => {
      const sizes = { H: xs.length };
      // as numbers: cumprod adds a +0 term after the first step, so −0 may read as +0
      const same = (got: Float64Array, want: number[]) =>
        Array.from(got).forEach((v, i) =>
          expect(v === want[i], `${v} vs ${want[i]} at ${i}`).toBe(true),
        );
      same(evaluate(cumsum(x), { x: xs }, sizes), loopSum(xs));
      same(evaluate(cumprod(x), { x: xs }, sizes), loopProd(xs));
    },
  );
  fcTest.prop(
    [
      values.chain((xs) =>
        fc.tuple(
          fc.constant(xs),
          fc.array(fc.double({ min: -2, max: 2, noNaN: true }), {
            minLength: xs.length,
            maxLength: xs.length,
          }),
        ),
      ),
    ],
    {
      seed: 1206,
      numRuns: 150,
    },
  )("gradients equal the definitions (cumsum: Σ_{i≥k} u_i; cumprod: no division)", ([xs, us]) => {
    const sizes = { H: xs.length };
    const [gs] = evaluate(grad(sum(cumsum(x).mul(u)), [x]), { x: xs, u: us }, sizes);
    const tail = us.map((_, k) => us.slice(k).reduce((a, b) => a + b, 0));
    Array.from(gs!).forEach((v, k) => expect(v).toBeCloseTo(tail[k]!, 12));
    const [gp] = evaluate(grad(sum(cumprod(x).mul(u)), [x]), { x: xs, u: us }, sizes);
    const want = prodGrad(xs, us);
    const scale = Math.max(1, ...want.map(Math.abs));
    Array.from(gp!).forEach((v, k) =>
      expect(Math.abs(v - want[k]!), `∂x${k} at ${xs}`).toBeLessThanOrEqual(1e-12 * scale),
    );
  });
});
