import { describe, expect, test } from "vitest";
import { constant, input, P, rule, X, Y } from "../src/index.js";
import { add, exp, mul, neg } from "./miniOps.js";

const x = input("x", ["H"]);

describe("rule patterns", () => {
  test("P.c matches a constant of any shape; numbers in P.op are constants", () => {
    const r = rule("x * 1", P.op(mul, X, 1), ({ x: v }) => v!);
    expect(r.apply(mul(x, constant(1, ["H"])))).toBe(x);
    expect(r.apply(mul(x, 2))).toBeNull();
    expect(r.apply(add(x, 1))).toBeNull();
  });
  test("commutative ops match either order; repeated variables must be the same node", () => {
    const r = rule("x + x -> 2x", P.op(add, X, X), ({ x: v }) => mul(v!, 2));
    expect(r.apply(add(x, x))).toBe(mul(x, 2));
    expect(r.apply(add(x, exp(x)))).toBeNull();
    const s = rule("-y + x -> x + -y", P.op(add, P.op(neg, Y), X), ({ x: a, y: b }) =>
      add(a!, neg(b!)),
    );
    expect(s.apply(add(x, neg(exp(x))))).toBe(add(x, neg(exp(x))));
  });
  test("anyConst binds values; the same name must hold the same value", () => {
    const r = rule("a·(a·x)", P.op(mul, P.k("a"), P.op(mul, P.k("a"), X)), ({ $ }) => $["a"]!);
    expect(r.apply(mul(2, mul(2, x)))).toBe(constant(2));
    expect(r.apply(mul(2, mul(3, x)))).toBeNull();
  });
});
