import { softplus } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { at, derivative, elementwiseSuite } from "./check.js";

describe("softplus", () => {
  elementwiseSuite(softplus, {
    ref: (a) => (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))),
    extremes: [[-1e4], [1e4], [-700], [700], [0]],
  });
  test("finite values and derivatives for |x| up to 1e4", () => {
    for (const v of [-1e4, -1000, -40, 40, 1000, 1e4]) {
      expect(Number.isFinite(at(softplus, [v]))).toBe(true);
      expect(Number.isFinite(derivative(softplus, [v])[0]!)).toBe(true);
    }
  });
  test("softplus(1e4) = 1e4, softplus(−1e4) = 0, derivatives 1 and 0", () => {
    expect(at(softplus, [1e4])).toBe(1e4);
    expect(at(softplus, [-1e4])).toBe(0);
    expect(at(softplus, [0])).toBe(Math.LN2);
    expect(derivative(softplus, [1e4])[0]).toBe(1);
    expect(derivative(softplus, [-1e4])[0]).toBe(0);
    expect(at(softplus, [-40])).toBeCloseTo(4.248354255291589e-18, 30);
  });
});
