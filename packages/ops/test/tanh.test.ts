import { input, printText } from "@gated/graph";
import { tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { at, derivative, elementwiseSuite } from "./check.js";

describe("tanh", () => {
  elementwiseSuite(tanh, { ref: Math.tanh, extremes: [[-1e4], [1e4], [-20], [20]] });
  test("finite values and derivatives for |x| up to 1e4", () => {
    for (const v of [-1e4, -1000, -40, 40, 1000, 1e4]) {
      expect(Number.isFinite(at(tanh, [v]))).toBe(true);
      expect(Number.isFinite(derivative(tanh, [v])[0]!)).toBe(true);
    }
  });
  test("tanh(±1e4) = ±1 with derivative 0; tanh′ reuses the output", () => {
    expect(at(tanh, [1e4])).toBe(1);
    expect(at(tanh, [-1e4])).toBe(-1);
    expect(derivative(tanh, [1e4])[0]).toBe(0);
    const x = input("x", []);
    const d = tanh.vjp({ x: [x], out: tanh(x), g: input("g", []), attrs: {} })[0]!;
    expect(printText(d)).toBe("g * (1 - tanh(x)^2)");
  });
});
