import { evaluate, input, printText, simplify } from "@gated/graph";
import { add } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("add", () => {
  elementwiseSuite(add, { ref: (a, b) => a + b });
  test("rules: x + 0, x + (−y), x + x", () => {
    const x = input("x", ["H"]);
    const y = input("y", ["H"]);
    expect(simplify([x.add(0)])[0]).toBe(x);
    expect(printText(simplify([x.add(y.neg())])[0]!)).toBe("x - y");
    expect(printText(simplify([x.add(x)])[0]!)).toBe("x * 2");
  });
  test("broadcasts a scalar", () => {
    expect(
      Array.from(evaluate(input("v", [2]).add(input("s", [])), { v: [1, 2], s: [10] })),
    ).toEqual([11, 12]);
  });
});
