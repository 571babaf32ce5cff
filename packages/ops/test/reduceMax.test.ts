import { evaluate, grad, input } from "@gated/graph";
import { broadcastTo, reduceMax, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("reduceMax", () => {
  const m = input("m", [2, 3]);
  const vals = { m: [1, 5, 3, -4, -2, -6] };
  test("over an axis and over all", () => {
    expect(Array.from(evaluate(reduceMax(m, 0), vals))).toEqual([1, 5, 3]);
    expect(Array.from(evaluate(reduceMax(m, 1), vals))).toEqual([5, -2]);
    expect(Array.from(evaluate(reduceMax(m), vals))).toEqual([5]);
  });
  test("NaN propagates; large values are fine", () => {
    expect(evaluate(reduceMax(m), { m: [1, NaN, 3, 4, 5, 6] })[0]).toBeNaN();
    expect(evaluate(reduceMax(m), { m: [1e4, -1e4, 0, 0, 0, 0] })[0]).toBe(1e4);
  });
  test("gradient goes to the maximum; ties share it evenly", () => {
    checkGrad(sum(reduceMax(m, 1).mul(input("u", [2]))), [m], { ...vals, u: [2, -1] });
    const [g] = grad(reduceMax(m), [m]);
    expect(Array.from(evaluate(g!, { m: [1, 5, 3, 5, 0, 0] }))).toEqual([0, 0.5, 0, 0.5, 0, 0]);
    // a broadcast copy ties with itself: the total is still 1
    const v = input("v", [3]);
    const [gv] = grad(reduceMax(broadcastTo(v, [2, 3]), 0).sum(), [v]);
    expect(Array.from(evaluate(gv!, { v: [1, 2, 3] }))).toEqual([1, 1, 1]);
  });
  test("errors", () => {
    expect(() => reduceMax(m, 2)).toThrow("axis 2 out of range for shape [2,3]");
  });
});
