import { evaluate, input, param, printText } from "@gated/graph";
import { matvec, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("matvec", () => {
  const A = param("A", ["H", "I"]);
  const v = input("v", ["I"]);
  const vals = { A: [1, 2, 3, 4, 5, 6], v: [1, -1, 2] };
  test("row-major A [H,I] · v [I]", () => {
    expect(Array.from(evaluate(matvec(A, v), vals, { H: 2, I: 3 }))).toEqual([5, 11]);
  });
  test("vjp is (g ⊗ v, Aᵀ g); gradient matches differences", () => {
    const y = matvec(A, v);
    const [dA, dv] = y.op.vjp({ x: [A, v], out: y, g: input("g", ["H"]), attrs: {} });
    expect(printText(dA!)).toBe("g ⊗ v");
    expect(printText(dv!)).toBe("Aᵀ g");
    checkGrad(
      sum(matvec(A, v).mul(input("u", ["H"]))),
      [A, v],
      { ...vals, u: [0.3, -0.7] },
      { H: 2, I: 3 },
    );
  });
  test("shape errors", () => {
    expect(() => matvec(A, input("h", ["H"]))).toThrow(
      "expected A [M,N] and v [N], got [H,I] and [H]",
    );
  });
});
