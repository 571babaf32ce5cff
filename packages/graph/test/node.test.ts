import { describe, expect, test } from "vitest";
import { apply, constant, defineOp, input, Node, type OpDef, param } from "../src/index.js";
import { add, exp, mul, neg } from "./miniOps.js";

describe("interning", () => {
  const x = input("x", ["H"]);
  test("the same expression built twice is the same node", () => {
    expect(input("x", ["H"])).toBe(x);
    expect(add(x, mul(x, 2))).toBe(add(x, mul(x, 2)));
    expect(x.add(1)).toBe(add(x, constant(1)));
    expect(exp(neg(x))).toBe(exp(neg(x)));
  });
  test("different inputs, attrs or leaf kinds give different nodes", () => {
    expect(input("x", ["I"])).not.toBe(x);
    expect(param("x", ["H"])).not.toBe(x);
    expect(constant(1)).not.toBe(constant(1, ["H"]));
    expect(add(x, 1)).not.toBe(add(1, x));
  });
  test("-0 and 0 are one constant", () => {
    expect(constant(-0)).toBe(constant(0));
  });
  test("nodes are frozen", () => {
    const n = add(x, 1);
    expect(Object.isFrozen(n)).toBe(true);
    expect(Object.isFrozen(n.attrs)).toBe(true);
    expect(() => ((n as { inputs: unknown }).inputs = [])).toThrow();
  });
  test("attr order does not matter", () => {
    const op = defineOp({ ...(exp as unknown as OpDef), name: "withAttrs" });
    expect(apply(op, [x], { a: 1, b: 2 })).toBe(apply(op, [x], { b: 2, a: 1 }));
  });
});

describe("apply", () => {
  const x = input("x", ["H"]);
  test("arity is checked", () => {
    expect(() => apply(add, [x], {})).toThrow("add takes 2 input(s), got 1");
  });
  test("shape errors name the op, the operands and their shapes", () => {
    expect(() => add(x, input("y", ["I"]))).toThrow(
      "add(x : [H], y : [I]): shapes [H] and [I] do not broadcast",
    );
  });
  test("numbers become constants; other values are rejected naming the expression", () => {
    expect(add(x, 2).inputs[1]!.attrs["value"]).toBe(2);
    expect(() => add(x, NaN)).toThrow("add(x, NaN): constant NaN is not finite");
    expect(() => apply(add, [x, "2" as unknown as number], {})).toThrow(
      "add(x, 2): expected a Node or a number, got string",
    );
  });
  test("an op is its builder: node.op === op", () => {
    expect(add(x, x).op).toBe(add);
    expect(add.name).toBe("add");
    expect(x).toBeInstanceOf(Node);
  });
});
