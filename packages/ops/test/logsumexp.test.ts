import { evaluate, grad, input, type Node } from "@gated/graph";
import { logSoftmax, logsumexp, softmax, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

const x = input("x", [3]);
const val = (n: Node, v: number[]): number[] => Array.from(evaluate(n, { x: v }));

describe("logsumexp, softmax, logSoftmax", () => {
  test("values", () => {
    const v = [1, 2, 3];
    expect(val(logsumexp(x), v)[0]).toBeCloseTo(
      Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)),
      14,
    );
    const s = val(softmax(x), v);
    expect(s.reduce((a, b) => a + b)).toBeCloseTo(1, 15);
    val(logSoftmax(x), v).forEach((l, i) => expect(l).toBeCloseTo(Math.log(s[i]!), 14));
  });
  test("finite and correct for |x| up to 1e4, with derivatives", () => {
    expect(val(logsumexp(x), [1e4, -1e4, 1e4])[0]).toBeCloseTo(1e4 + Math.LN2, 10);
    expect(val(logsumexp(x), [-1e4, -1e4, -1e4])[0]).toBeCloseTo(-1e4 + Math.log(3), 10);
    const [g] = grad(logsumexp(x), [x]);
    expect(val(g!, [1e4, -1e4, 1e4])).toEqual([0.5, 0, 0.5]);
    expect(val(softmax(x), [1e4, 0, -1e4])).toEqual([1, 0, 0]);
    expect(val(logSoftmax(x), [1e4, 0, -1e4])).toEqual([0, -1e4, -2e4]);
    const [gl] = grad(sum(logSoftmax(x).mul(input("u", [3]))), [x]);
    expect(
      Array.from(evaluate(gl!, { x: [1e4, 0, -1e4], u: [1, 2, 3] })).every(Number.isFinite),
    ).toBe(true);
  });
  test("over an axis of a matrix", () => {
    const m = input("m", [2, 2]);
    const r = Array.from(evaluate(logsumexp(m, 1), { m: [0, 0, 1, 1] }));
    expect(r[0]).toBeCloseTo(Math.LN2, 15);
    expect(r[1]).toBeCloseTo(1 + Math.LN2, 15);
    expect(Array.from(evaluate(softmax(m, 0), { m: [0, 1, 0, 1] }))).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
  test("gradients match differences", () => {
    const vals = { x: [0.3, -1.2, 2], u: [1, -2, 0.5] };
    const u = input("u", [3]);
    checkGrad(logsumexp(x), [x], vals);
    checkGrad(sum(softmax(x).mul(u)), [x], vals);
    checkGrad(sum(logSoftmax(x).mul(u)), [x], vals);
  });
});
