import { evaluate, input } from "@gated/graph";
import { outer, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("outer", () => {
  const x = input("x", [2]);
  const y = input("y", [3]);
  test("x [M] ⊗ y [N] is [M,N]", () => {
    expect(Array.from(evaluate(outer(x, y), { x: [1, 2], y: [1, 2, 3] }))).toEqual([
      1, 2, 3, 2, 4, 6,
    ]);
  });
  test("gradient matches differences; vectors only", () => {
    checkGrad(sum(outer(x, y).mul(input("u", [2, 3]))), [x, y], {
      x: [1, 2],
      y: [1, 2, 3],
      u: [1, 0, -1, 2, 0.5, 0.25],
    });
    expect(() => outer(x, input("m", [2, 2]))).toThrow("expected two vectors");
  });
});
