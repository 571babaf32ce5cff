import { evalScalar, evaluate, grad, input, S } from "@gated/graph";
import { pow, square } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { numeric } from "./check.js";

describe("pow", () => {
  const x = input("x", []);
  test("constant exponents; p = 1 and p = 2 are x and x²", () => {
    expect(pow(x, 1)).toBe(x);
    expect(pow(x, 2)).toBe(square(x));
    expect(evaluate(pow(x, 0.5), { x: [9] })[0]).toBe(3);
  });
  test("derivative p·xᵖ⁻¹ matches differences", () => {
    for (const p of [-1.5, -1, 0.5, 3]) {
      const f = (v: number) => evaluate(pow(x, p), { x: [v] })[0]!;
      const [g] = grad(pow(x, p), [x]);
      for (const v of [0.4, 1.3, 2.7])
        expect(evaluate(g!, { x: [v] })[0]).toBeCloseTo(numeric(f, v), 8);
    }
  });
  test("the formula carries the exponent from the attrs", () => {
    const n = pow(x, 1.5);
    const tree = n.op.scalar!([S.arg(0)], n.attrs);
    expect(tree).toMatchObject({
      k: "op",
      op: "pow",
      args: [
        { k: "arg", i: 0 },
        { k: "const", v: 1.5 },
      ],
    });
    expect(evalScalar(tree, [2])).toBe(evaluate(n, { x: [2] })[0]);
  });
  test("the exponent must be finite", () => {
    expect(() => pow(x, Infinity)).toThrow("pow: exponent must be a finite number, got Infinity");
  });
});
