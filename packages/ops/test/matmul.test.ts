import { evaluate, input, param } from "@gated/graph";
import { matmul, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("matmul", () => {
  const A = param("A", [2, 3]);
  const B = input("B", [3, 2]);
  const vals = { A: [1, 2, 3, 4, 5, 6], B: [1, 0, 0, 1, 1, 1] };
  test("[M,K]·[K,N]", () => {
    expect(Array.from(evaluate(matmul(A, B), vals))).toEqual([4, 5, 10, 11]);
  });
  test("gradient matches differences", () => {
    checkGrad(sum(matmul(A, B).mul(input("u", [2, 2]))), [A, B], { ...vals, u: [1, -2, 0.5, 3] });
  });
  test("shape errors", () => {
    expect(() => matmul(A, A)).toThrow("expected A [M,K] and B [K,N], got [2,3] and [2,3]");
  });
});
