import { describe, expect, test } from "vitest";
import { constant, countNodes, evaluate, input, simplify } from "../src/index.js";
import { add, exp, flip, mul, neg } from "./miniOps.js";

const x = input("x", ["H"]);

describe("simplify", () => {
  test("folds constants through the op's own evaluate", () => {
    expect(simplify([add(constant(2), mul(constant(3), constant(4)))])[0]).toBe(constant(14));
    expect(simplify([exp(constant(0))])[0]).toBe(constant(1));
  });
  test("applies rules bottom-up to a fixed point", () => {
    const n = neg(neg(add(mul(x, 1), 0)));
    expect(simplify([n])[0]).toBe(x);
  });
  test("restores the node's shape when a rule drops a broadcast", () => {
    const s = input("s", []);
    const [r] = simplify([mul(s, constant(1, ["H"]))]);
    expect(r!.shape).toEqual(["H"]);
    expect(Array.from(evaluate(r!, { s: [2] }, { H: 3 }))).toEqual([2, 2, 2]);
  });
  test("shared subgraphs stay shared", () => {
    const a = exp(mul(x, 1));
    const [p, q] = simplify([add(a, a), mul(a, a)]);
    expect(p!.inputs[0]).toBe(q!.inputs[0]);
    expect(countNodes([p!, q!])).toBe(4); // x, exp(x), a + a, a · a
  });
  test("rules that undo each other stop", () => {
    const y = input("y", ["H"]);
    const [r] = simplify([flip(x, y)]);
    expect([flip(x, y), flip(y, x)]).toContain(r);
  });
  test("does not fold what is not finite", () => {
    const big = exp(constant(1000));
    expect(simplify([big])[0]).toBe(big);
  });
});
