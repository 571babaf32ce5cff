import { constant, evaluate, input, simplify } from "@gated/graph";
import { broadcastTo, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("broadcastTo", () => {
  const v = input("v", [3]);
  test("adds leading axes and stretches ones", () => {
    expect(Array.from(evaluate(broadcastTo(v, [2, 3]), { v: [1, 2, 3] }))).toEqual([
      1, 2, 3, 1, 2, 3,
    ]);
    expect(Array.from(evaluate(broadcastTo(input("c", [2, 1]), [2, 3]), { c: [1, 2] }))).toEqual([
      1, 1, 1, 2, 2, 2,
    ]);
  });
  test("same shape is the identity; constants stay constants; nested broadcasts collapse", () => {
    expect(broadcastTo(v, [3])).toBe(v);
    expect(broadcastTo(constant(2), [3])).toBe(constant(2, [3]));
    const s = input("s", []);
    expect(simplify([broadcastTo(broadcastTo(s, [3]), [2, 3])])[0]).toBe(broadcastTo(s, [2, 3]));
  });
  test("gradient sums back; errors", () => {
    checkGrad(sum(broadcastTo(v, [2, 3]).mul(input("u", [2, 3]))), [v], {
      v: [1, 2, 3],
      u: [1, 2, 3, 4, 5, 6],
    });
    expect(() => broadcastTo(v, [3, 2])).toThrow(
      "broadcastTo(v : [3]): shapes [3] and [3,2] do not broadcast",
    );
  });
});
