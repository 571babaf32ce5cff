import { input, printText } from "@gated/graph";
import { sigmoid } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { at, derivative, elementwiseSuite } from "./check.js";

describe("sigmoid", () => {
  elementwiseSuite(sigmoid, {
    ref: (a) => 1 / (1 + Math.exp(-a)),
    extremes: [[-40], [40], [-1e4], [1e4], [-800], [800]],
  });
  test("finite values and derivatives for |x| up to 1e4", () => {
    for (const v of [-1e4, -1000, -40, 40, 1000, 1e4]) {
      expect(Number.isFinite(at(sigmoid, [v]))).toBe(true);
      expect(Number.isFinite(derivative(sigmoid, [v])[0]!)).toBe(true);
    }
  });
  test("saturates exactly: σ(±1e4) = 1 / 0, σ′ = 0; σ′ reuses the output", () => {
    expect(at(sigmoid, [1e4])).toBe(1);
    expect(at(sigmoid, [-1e4])).toBe(0);
    expect(derivative(sigmoid, [1e4])[0]).toBe(0);
    expect(derivative(sigmoid, [-1e4])[0]).toBe(0);
    expect(at(sigmoid, [-40])).toBeCloseTo(4.248354255291589e-18, 30);
    const x = input("x", []);
    const d = sigmoid.vjp({ x: [x], out: sigmoid(x), g: input("g", []), attrs: {} })[0]!;
    expect(printText(d)).toBe("g * (σ(x) * (1 - σ(x)))");
  });
});
