import { evaluate, input } from "@gated/graph";
import { sumTo } from "@gated/ops";
import { describe, expect, test } from "vitest";

describe("sumTo", () => {
  const m = input("m", [2, 3]);
  const vals = { m: [1, 2, 3, 4, 5, 6] };
  test("sums leading and stretched axes back", () => {
    expect(Array.from(evaluate(sumTo(m, [3]), vals))).toEqual([5, 7, 9]);
    expect(Array.from(evaluate(sumTo(m, [2, 1]), vals))).toEqual([6, 15]);
    expect(Array.from(evaluate(sumTo(m, [1, 3]), vals))).toEqual([5, 7, 9]);
    expect(Array.from(evaluate(sumTo(m, []), vals))).toEqual([21]);
  });
  test("several stretched axes (a regression: [H,H] to [1,1])", () => {
    const s = sumTo(input("q", ["H", "H"]), [1, 1]);
    expect(s.shape).toEqual([1, 1]);
    expect(Array.from(evaluate(s, { q: [1, 2, 3, 4] }, { H: 2 }))).toEqual([10]);
  });
  test("errors", () => {
    expect(() => sumTo(m, [2, 3, 1])).toThrow("sumTo: cannot sum [2,3] to the larger [2,3,1]");
    expect(() => sumTo(m, [2])).toThrow("sumTo: cannot sum [2,3] to [2]");
  });
});
