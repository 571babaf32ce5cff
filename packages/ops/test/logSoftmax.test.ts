import { evaluate, grad, input } from "@gated/graph";
import { logSoftmax, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";

describe("logSoftmax", () => {
  test("exp of it sums to 1; finite at 1e4", () => {
    const x = input("x", [3]);
    const l = Array.from(evaluate(logSoftmax(x), { x: [0.5, -2, 1] }));
    expect(l.reduce((a, b) => a + Math.exp(b), 0)).toBeCloseTo(1, 15);
    // x − logsumexp(x): exact up to the rounding of 1e4 + log 2 (an ulp of 1e4 is 2e-12)
    const big = Array.from(evaluate(logSoftmax(x), { x: [1e4, 1e4, -1e4] }));
    [-Math.LN2, -Math.LN2, -2e4 - Math.LN2].forEach((v, i) => expect(big[i]).toBeCloseTo(v, 10));
  });
  test("cross-entropy gradient is softmax − onehot", () => {
    const x = input("x", [3]);
    const [g] = grad(sum(logSoftmax(x).mul(input("y", [3]))).neg(), [x]);
    const gv = Array.from(evaluate(g!, { x: [1, 2, 3], y: [0, 1, 0] }));
    const e = [1, 2, 3].map(Math.exp);
    const z = e.reduce((a, b) => a + b);
    gv.forEach((v, i) => expect(v).toBeCloseTo(e[i]! / z - (i === 1 ? 1 : 0), 14));
  });
});
