import { input, simplify } from "@gated/graph";
import { exp, log1p, softplus } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { at, elementwiseSuite } from "./check.js";

describe("log1p", () => {
  elementwiseSuite(log1p, { ref: Math.log1p, extremes: [[1e-12], [-0.999]] });
  test("accurate near 0, and log1p(exp x) becomes softplus", () => {
    // log(1 + 1e-12) would be off by 1e-4 relative
    expect(Math.abs(at(log1p, [1e-12]) - 1e-12) / 1e-12).toBeLessThan(1e-11);
    const x = input("x", ["H"]);
    expect(simplify([log1p(exp(x))])[0]).toBe(softplus(x));
  });
});
