import { logsigmoid } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { at, derivative, elementwiseSuite } from "./check.js";

describe("logsigmoid", () => {
  elementwiseSuite(logsigmoid, {
    ref: (a) => (a < 0 ? a - Math.log1p(Math.exp(a)) : -Math.log1p(Math.exp(-a))),
    extremes: [[-1e4], [1e4], [-700], [700]],
  });
  test("finite values and derivatives for |x| up to 1e4", () => {
    for (const v of [-1e4, -1000, -40, 40, 1000, 1e4]) {
      expect(Number.isFinite(at(logsigmoid, [v]))).toBe(true);
      expect(Number.isFinite(derivative(logsigmoid, [v])[0]!)).toBe(true);
    }
  });
  test("logsigmoid(−1e4) = −1e4, logsigmoid(1e4) = 0, derivatives 1 and 0", () => {
    expect(at(logsigmoid, [-1e4])).toBe(-1e4);
    expect(at(logsigmoid, [1e4]) === 0).toBe(true);
    expect(derivative(logsigmoid, [-1e4])[0]).toBe(1);
    expect(derivative(logsigmoid, [1e4])[0]).toBe(0);
    expect(derivative(logsigmoid, [40])[0]).toBeCloseTo(4.248354255291589e-18, 30);
  });
});
