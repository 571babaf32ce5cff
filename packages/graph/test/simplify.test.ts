import { describe, expect, test } from "vitest";
import { constant, countNodes, evaluate, input, rule, P, simplify, X, Y } from "../src/index.js";
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

describe("rule patterns", () => {
  test("commutative ops match either order; repeated variables must be the same node", () => {
    const r = rule("x + x -> 2x", P.op(add, X, X), ({ x: v }) => mul(v!, 2));
    expect(r.apply(add(x, x))).toBe(mul(x, 2));
    expect(r.apply(add(x, exp(x)))).toBeNull();
    const s = rule("-y + x -> x + -y", P.op(add, P.op(neg, Y), X), ({ x: a, y: b }) => add(a!, neg(b!)));
    expect(s.apply(add(x, neg(exp(x))))).toBe(add(x, neg(exp(x))));
  });
  test("anyConst binds values; the same name must hold the same value", () => {
    const r = rule("a·(a·x)", P.op(mul, P.k("a"), P.op(mul, P.k("a"), X)), ({ $ }) => $["a"]!);
    expect(r.apply(mul(2, mul(2, x)))).toBe(constant(2));
    expect(r.apply(mul(2, mul(3, x)))).toBeNull();
  });
});
