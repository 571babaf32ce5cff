import { evaluate, grad, input } from "@gated/graph";
import { softmax, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";

describe("softmax", () => {
  test("rows sum to 1 over the last axis by default, at any scale", () => {
    const m = input("m", [2, "H"]);
    const p = Array.from(evaluate(softmax(m), { m: [1, 2, 3, 1e4, -1e4, 0] }, { H: 3 }));
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 15);
    expect(p.slice(3)).toEqual([1, 0, 0]);
  });
  test("its gradient along the constant direction is 0 (shift invariance)", () => {
    const x = input("x", [3]);
    const [g] = grad(sum(softmax(x).mul(input("u", [3]))), [x]);
    const gv = Array.from(evaluate(g!, { x: [0.1, 2, -1], u: [1, -3, 2] }));
    expect(Math.abs(gv.reduce((a, b) => a + b))).toBeLessThan(1e-15);
  });
});
