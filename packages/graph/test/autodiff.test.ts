import { describe, expect, test } from "vitest";
import { constant, evaluate, grad, input, jvp, printText, vjp } from "../src/index.js";
import { add, exp, mul, sumAll } from "./miniOps.js";

const x = input("x", []);
const y = input("y", []);
const at = { x: [0.7], y: [-1.3] };
const val = (n: Parameters<typeof printText>[0]) => evaluate(n, at)[0]!;

describe("reverse mode", () => {
  test("product rule and reuse of exp's output", () => {
    const [gx, gy] = grad(mul(x, exp(y)), [x, y]);
    expect(val(gx!)).toBeCloseTo(Math.exp(-1.3), 14);
    expect(val(gy!)).toBeCloseTo(0.7 * Math.exp(-1.3), 14);
  });
  test("shared subexpressions accumulate: d(x·x + x) = 2x + 1", () => {
    const [g] = grad(add(mul(x, x), x), [x]);
    expect(val(g!)).toBeCloseTo(2.4, 14);
  });
  test("unrelated wrt gives zeros of its shape", () => {
    const z = input("z", ["H"]);
    const [g] = grad(exp(x), [z]);
    expect(g).toBe(constant(0, ["H"]));
  });
  test("cotangents scale the result; vjp of several outputs sums", () => {
    const [g] = vjp([mul(x, 3), exp(x)], [constant(2), constant(1)], [x]);
    expect(val(g!)).toBeCloseTo(6 + Math.exp(0.7), 14);
  });
  test("broadcast cotangents are summed back to the input's shape", () => {
    const v = input("v", ["H"]);
    const [g] = grad(sumAll(mul(v, x)), [x]);
    expect(g!.shape).toEqual([]);
    expect(evaluate(g!, { v: [1, 2, 3], x: [5] }, { H: 3 })[0]).toBe(6);
  });
});

describe("forward mode and higher order", () => {
  test("jvp of x·eʸ along (1, 0) and (0, 1)", () => {
    const f = mul(x, exp(y));
    const [t] = jvp([f], [x, y], [constant(1), constant(0)]);
    expect(val(t!)).toBeCloseTo(Math.exp(-1.3), 14);
  });
  test("grad of grad: d²(x³)/dx² = 6x", () => {
    const f = mul(x, mul(x, x));
    const [g] = grad(f, [x]);
    const [h] = grad(g!, [x]);
    expect(val(h!)).toBeCloseTo(4.2, 12);
    const [h2] = jvp([g!], [x], [constant(1)]);
    expect(val(h2!)).toBeCloseTo(4.2, 12);
  });
  test("derivatives are graphs that print", () => {
    const [g] = grad(exp(x), [x]);
    expect(printText(g!)).toContain("exp");
  });
});
