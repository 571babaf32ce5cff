import { input, simplify } from "@gated/graph";
import { minimum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { derivative, elementwiseSuite } from "./check.js";

describe("minimum", () => {
  elementwiseSuite(minimum, {
    ref: Math.min,
    extremes: [
      [1, 1],
      [-0.5, 2],
    ],
  });
  test("at a tie the cotangent goes to one side; min(x, x) -> x", () => {
    expect(derivative(minimum, [1, 1])).toEqual([1, 0]);
    expect(derivative(minimum, [3, 2])).toEqual([0, 1]);
    const x = input("x", []);
    expect(simplify([minimum(x, x)])[0]).toBe(x);
  });
});
