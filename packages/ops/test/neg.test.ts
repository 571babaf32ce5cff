import { input, simplify } from "@gated/graph";
import { neg, sub } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("neg", () => {
  elementwiseSuite(neg, { ref: (a) => -a });
  test("rules: −(−x), −(x − y)", () => {
    const x = input("x", ["H"]);
    const y = input("y", ["H"]);
    expect(simplify([neg(neg(x))])[0]).toBe(x);
    expect(simplify([neg(sub(x, y))])[0]).toBe(sub(y, x));
    expect(simplify([neg(x.mul(3))])[0]).toBe(x.mul(-3));
    expect(simplify([neg(x).mul(3)])[0]).toBe(x.mul(-3));
  });
});
