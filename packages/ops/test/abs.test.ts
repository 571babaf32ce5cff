import { input, simplify } from "@gated/graph";
import { abs, neg } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { derivative, elementwiseSuite } from "./check.js";

describe("abs", () => {
  elementwiseSuite(abs, { ref: Math.abs });
  test("derivative is the sign, 0 at 0; rules", () => {
    expect(derivative(abs, [-2])[0]).toBe(-1);
    expect(derivative(abs, [0])[0]).toBe(0);
    const x = input("x", ["H"]);
    expect(simplify([abs(neg(x))])[0]).toBe(abs(x));
    expect(simplify([abs(abs(x))])[0]).toBe(abs(x));
  });
});
