import { constant, evaluate, input } from "@gated/graph";
import { mean, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("sum and mean", () => {
  const m = input("m", [2, 3]);
  const vals = { m: [1, 2, 3, 4, 5, 6] };
  test("over an axis, over all, negative axes", () => {
    expect(Array.from(evaluate(sum(m, 0), vals))).toEqual([5, 7, 9]);
    expect(Array.from(evaluate(sum(m, 1), vals))).toEqual([6, 15]);
    expect(Array.from(evaluate(sum(m, -1), vals))).toEqual([6, 15]);
    expect(Array.from(evaluate(sum(m), vals))).toEqual([21]);
    expect(Array.from(evaluate(mean(m, 1), vals))).toEqual([2, 5]);
  });
  test("constants of known size fold; symbolic sizes stay symbolic", () => {
    expect(sum(constant(2, [3]))).toBe(constant(6));
    const v = input("v", ["H"]);
    expect(evaluate(mean(v), { v: [1, 2, 3, 6] }, { H: 4 })[0]).toBe(3);
  });
  test("gradient matches differences", () => {
    checkGrad(sum(sum(m, 0).mul(input("u", [3]))), [m], { ...vals, u: [1, -1, 2] });
    checkGrad(sum(mean(m, 1).mul(input("u", [2]))), [m], { ...vals, u: [1, -1] });
  });
});
