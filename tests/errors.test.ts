/**
 * Bad input: each mistake throws an Error whose message names the expression at fault and
 * what was expected. A gradient with respect to a node the output ignores is zeros, not an
 * error.
 */

import { constant, evaluate, grad, input, jvp, param, vjp } from "@gated/graph";
import { concat, matvec, pow, reduceMax, reshape, sigmoid, slice, sum, tanh } from "@gated/ops";
import { describe, expect, test } from "vitest";

const x = input("x", ["H"]);
const y = input("y", ["I"]);
const U = param("U", ["H", "I"]);

describe("shape errors name the op, the operands and both shapes", () => {
  test("elementwise broadcast mismatch", () => {
    expect(() => x.add(y)).toThrow("add(x : [H], y : [I]): shapes [H] and [I] do not broadcast");
    expect(() => sigmoid(x).mul(tanh(y))).toThrow(
      /^mul\(σ\(x\) : \[H\], tanh\(y\) : \[I\]\): shapes \[H\] and \[I\] do not broadcast/,
    );
  });
  test("contractions", () => {
    expect(() => matvec(U, x)).toThrow(
      "matvec(U : [H,I], x : [H]): expected A [M,N] and v [N], got [H,I] and [H]",
    );
    expect(() => U.matmul(U)).toThrow("matmul(U : [H,I], U : [H,I]): expected A [M,K] and B [K,N]");
  });
  test("structural ops", () => {
    expect(() => concat([x, U])).toThrow(
      "concat(x : [H], U : [H,I]): input 1 [H,I] does not match [H] off axis 0",
    );
    expect(() => slice(x, 0, 0, "H+1")).toThrow(
      "slice(x : [H]): range 0:H+1 does not fit in dim H of [H]",
    );
    expect(() => slice(input("v", [3]), 0, 1, 4)).toThrow(
      "slice(v : [3]): range 1:4 does not fit in dim 3 of [3]",
    );
    expect(() => reduceMax(x, 1)).toThrow("reduceMax(x : [H]): axis 1 out of range for shape [H]");
    expect(() => sum(U, -3)).toThrow("sum(U : [H,I]): axis -3 out of range for shape [H,I]");
    expect(() => reshape(U, ["I", "H"])).toThrow(
      "reshape(U : [H,I]): cannot reshape [H,I] to [I,H]",
    );
  });
});

describe("evaluation errors name the leaf or expression", () => {
  const f = sigmoid(matvec(U, y)).add(x);
  const sizes = { H: 2, I: 3 };
  const ok = { x: [1, 2], y: [1, 2, 3], U: [1, 2, 3, 4, 5, 6] };
  test("works when all is given", () => {
    expect(evaluate(f, ok, sizes)).toHaveLength(2);
  });
  test("unbound input", () => {
    const { y: _y, ...rest } = ok;
    expect(() => evaluate(f, rest, sizes)).toThrow(
      'input "y" [I] is not bound (bindings given: x, U)',
    );
  });
  test("unknown dim", () => {
    expect(() => evaluate(f, ok, { H: 2 })).toThrow('unknown dim "I" in U: sizes given: H');
    expect(() => evaluate(concat([x, y]), ok, { H: 2 })).toThrow(
      'unknown dim "I" in y: sizes given: H',
    );
  });
  test("wrong-length binding", () => {
    expect(() => evaluate(f, { ...ok, U: [1, 2, 3] }, sizes)).toThrow(
      'param "U" [H,I] = [2,3] needs 6 values, got 3',
    );
  });
  test("a symbolic slice that does not fit once sizes are bound", () => {
    const s = slice(input("v", ["H"]), 0, 2, 3);
    expect(() => evaluate(s, { v: [1, 2] }, { H: 2 })).toThrow(
      "evaluating v[0: 2..3]: range 2:3 does not fit in dim 2",
    );
  });
  test("two leaves with one name", () => {
    expect(() => evaluate(input("x", ["H", 1]).sum().add(x.sum()), ok, sizes)).toThrow(
      'two leaves are named "x"',
    );
  });
});

describe("non-finite constants", () => {
  test("NaN and Infinity are rejected, naming the expression", () => {
    expect(() => constant(NaN)).toThrow("constant NaN is not finite");
    expect(() => x.add(Infinity)).toThrow("add(x, Infinity): constant Infinity is not finite");
    expect(() => x.mul(-Infinity)).toThrow("mul(x, -Infinity): constant -Infinity is not finite");
    expect(() => pow(x, NaN)).toThrow("pow: exponent must be a finite number, got NaN");
  });
  test("unless asked for", () => {
    expect(evaluate(constant(Infinity, [], { allowNonFinite: true }), {})[0]).toBe(Infinity);
  });
});

describe("autodiff", () => {
  test("a gradient w.r.t. an unrelated node is zeros of its shape", () => {
    const [gy, gU] = grad(sum(sigmoid(x)), [y, U]);
    expect(gy!.shape).toEqual(["I"]);
    expect(Array.from(evaluate(gy!, {}, { I: 3 }))).toEqual([0, 0, 0]);
    expect(Array.from(evaluate(gU!, {}, { H: 1, I: 2 }))).toEqual([0, 0]);
    const [t] = jvp([sigmoid(x)], [y], [y]);
    expect(Array.from(evaluate(t!, {}, { H: 2 }))).toEqual([0, 0]);
  });
  test("shape errors name the output and the cotangent", () => {
    expect(() => grad(sigmoid(x), [x])).toThrow(
      "grad: σ(x) has shape [H]; grad needs a scalar (use vjp)",
    );
    expect(() => vjp([sigmoid(x)], [y], [x])).toThrow(
      "cotangent 0 of σ(x): gave [I], expected [H]",
    );
    expect(() => jvp([sigmoid(x)], [x], [y])).toThrow("tangent 0 of x: gave [I], expected [H]");
    expect(() => vjp([x], [], [x])).toThrow("vjp: 1 outputs but 0 cotangents");
  });
});
