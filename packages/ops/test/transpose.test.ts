import { evaluate, input, simplify } from "@gated/graph";
import { sum, transpose } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("transpose", () => {
  const A = input("A", [2, 3]);
  test("[M,N] -> [N,M]; (Aᵀ)ᵀ -> A", () => {
    expect(transpose(A).shape).toEqual([3, 2]);
    expect(Array.from(evaluate(transpose(A), { A: [1, 2, 3, 4, 5, 6] }))).toEqual([
      1, 4, 2, 5, 3, 6,
    ]);
    expect(simplify([transpose(transpose(A))])[0]).toBe(A);
  });
  test("gradient matches differences; matrices only", () => {
    checkGrad(sum(transpose(A).mul(input("u", [3, 2]))), [A], {
      A: [1, 2, 3, 4, 5, 6],
      u: [1, 2, 3, 4, 5, 6],
    });
    expect(() => transpose(input("v", [2]))).toThrow("expected a matrix");
  });
});
