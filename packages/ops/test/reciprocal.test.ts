import { input, simplify } from "@gated/graph";
import { neg, reciprocal } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("reciprocal", () => {
  elementwiseSuite(reciprocal, { ref: (a) => 1 / a });
  test("rules: 1/(1/x), 1/(−x)", () => {
    const x = input("x", ["H"]);
    expect(simplify([reciprocal(reciprocal(x))])[0]).toBe(x);
    expect(simplify([reciprocal(neg(x))])[0]).toBe(neg(reciprocal(x)));
  });
});
