import { input, printText, simplify } from "@gated/graph";
import { mul } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("mul", () => {
  elementwiseSuite(mul, { ref: (a, b) => a * b });
  test("rules: x·1, x·0, x·(−1), constants gather, x·x", () => {
    const x = input("x", ["H"]);
    expect(simplify([x.mul(1)])[0]).toBe(x);
    expect(printText(simplify([x.mul(0)])[0]!)).toBe("0");
    expect(printText(simplify([x.mul(-1)])[0]!)).toBe("-x");
    expect(printText(simplify([x.mul(2).mul(3)])[0]!)).toBe("x * 6");
    expect(printText(simplify([x.mul(0.5).mul(2)])[0]!)).toBe("x");
    expect(printText(simplify([x.mul(x)])[0]!)).toBe("x^2");
  });
});
