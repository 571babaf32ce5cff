import { input, printText, simplify } from "@gated/graph";
import { sub } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("sub", () => {
  elementwiseSuite(sub, { ref: (a, b) => a - b });
  test("rules: x − 0, 0 − x, x − x, 1 − (1 − x), (x + y) − y", () => {
    const x = input("x", ["H"]);
    const y = input("y", ["H"]);
    expect(simplify([x.sub(0)])[0]).toBe(x);
    expect(simplify([input("z", []).sub(0)])[0]!.op).toBe(input("z", []).op);
    expect(printText(simplify([x.sub(x)])[0]!)).toBe("0");
    expect(simplify([x.neg().neg()])[0]).toBe(x);
    expect(simplify([sub(1, sub(1, x))])[0]).toBe(x);
    expect(simplify([x.add(y).sub(y)])[0]).toBe(x);
  });
});
