import { evaluate, input, jvp, type Tensor } from "@gated/graph";
import { broadcastIndex, comparison, mul, reduceAxis } from "@gated/ops";
import { describe, expect, test } from "vitest";

describe("families", () => {
  test("broadcastIndex maps output positions to input positions", () => {
    expect(Array.from(broadcastIndex([3], [2, 3]))).toEqual([0, 1, 2, 0, 1, 2]);
    expect(Array.from(broadcastIndex([2, 1], [2, 3]))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(Array.from(broadcastIndex([], [2, 2]))).toEqual([0, 0, 0, 0]);
  });
  test("reduceAxis reduces the middle of a 3-d tensor", () => {
    const t: Tensor = { shape: [2, 2, 2], data: Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8) };
    expect(Array.from(reduceAxis(t, 1, [2, 2], 0, (a, b) => a + b))).toEqual([4, 6, 12, 14]);
    expect(Array.from(reduceAxis(t, "all", [], -Infinity, Math.max))).toEqual([8]);
  });
  test("binary ops broadcast in forward mode too", () => {
    const v = input("v", [2]);
    const s = input("s", []);
    const [t] = jvp([mul(v, s)], [s], [input("ds", [])]);
    expect(Array.from(evaluate(t!, { v: [2, 3], s: [1], ds: [10] }))).toEqual([20, 30]);
  });
  test("comparison() makes a 0/1 op without derivative", () => {
    const below = comparison({
      name: "below",
      cmp: "lt",
      symbol: { text: "<", latex: "<" },
    });
    expect(below.differentiable).toBe(false);
    expect(Array.from(evaluate(below(input("a", [2]), 1), { a: [0.5, 2] }))).toEqual([1, 0]);
  });
});
