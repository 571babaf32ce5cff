import { evaluate, input, simplify } from "@gated/graph";
import { greater, neg, where } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("where", () => {
  elementwiseSuite(where, {
    ref: (c, a, b) => (c !== 0 ? a : b),
    extremes: [
      [0, 1, 2],
      [1, 1, 2],
      [-1, 3, 4],
    ],
  });
  test("selects with broadcasting; cond gets no cotangent; rules", () => {
    const x = input("x", [3]);
    const y = input("y", []);
    const s = where(greater(x, 0), x, y);
    expect(Array.from(evaluate(s, { x: [1, -2, 3], y: [9] }))).toEqual([1, 9, 3]);
    expect(s.op.vjp({ x: s.inputs, out: s, g: input("g", [3]), attrs: {} })[0]).toBeNull();
    expect(simplify([where(greater(x, 0), y, y)])[0]!.op.name).toBe("broadcastTo");
    expect(simplify([where(1, x, neg(x))])[0]).toBe(x);
    expect(simplify([where(0, x, neg(x))])[0]).toBe(neg(x));
  });
});
