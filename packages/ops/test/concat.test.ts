import { evaluate, input, simplify, vjp } from "@gated/graph";
import { concat, slice, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("concat", () => {
  const x = input("x", ["H"]);
  const h = input("h", ["H"]);
  const i = input("i", ["I"]);
  test("symbolic dims add up as linear forms", () => {
    expect(concat([x, h]).shape).toEqual(["2*H"]);
    expect(concat([i, x]).shape).toEqual(["H+I"]);
    expect(concat([x, h, i]).shape).toEqual(["2*H+I"]);
  });
  test("evaluates along any axis", () => {
    expect(Array.from(evaluate(concat([x, i]), { x: [1, 2], i: [3] }, { H: 2, I: 1 }))).toEqual([
      1, 2, 3,
    ]);
    const a = input("a", [2, 2]);
    const b = input("b", [2, 1]);
    const vals = { a: [1, 2, 3, 4], b: [5, 6] };
    expect(Array.from(evaluate(concat([a, b], 1), vals))).toEqual([1, 2, 5, 3, 4, 6]);
    expect(
      Array.from(evaluate(concat([a, input("c", [1, 2])], 0), { ...vals, c: [7, 8] })),
    ).toEqual([1, 2, 3, 4, 7, 8]);
  });
  test("one piece is itself; empty pieces drop", () => {
    expect(concat([x])).toBe(x);
    expect(concat(x, h)).toBe(concat([x, h], 0));
    expect(concat([input("e", [2, 0]), input("f", [2, 3])], 1)).toBe(input("f", [2, 3]));
    expect(concat([input("e", [0]), input("f", [2])])).toBe(input("f", [2]));
  });
  test("vjp slices the cotangent back; gradient matches differences", () => {
    const c = concat([x, h]);
    const [gx, gh] = vjp([c], [input("g", ["2*H"])], [x, h]);
    expect(gx).toBe(slice(input("g", ["2*H"]), 0, 0, "H"));
    expect(gh).toBe(slice(input("g", ["2*H"]), 0, "H", "2*H"));
    checkGrad(
      sum(concat([x, h, x]).mul(input("u", ["3*H"]))),
      [x, h],
      { x: [1, 2], h: [3, 4], u: [1, 2, 3, 4, 5, 6] },
      { H: 2 },
    );
  });
  test("rules: adjacent slices merge; slices of a concat pick the piece", () => {
    const v = input("v", ["2*H"]);
    expect(simplify([concat([slice(v, 0, 0, "H"), slice(v, 0, "H", "2*H")])])[0]).toBe(v);
    expect(simplify([slice(concat([x, h]), 0, "H", "2*H")])[0]).toBe(h);
    expect(simplify([slice(concat([x, h]), 0, 1, "H")])[0]).toBe(slice(x, 0, 1, "H"));
  });
  test("errors name the operands", () => {
    expect(() => concat([x, input("m", ["H", 2])])).toThrow(
      "concat(x : [H], m : [H,2]): input 1 [H,2] does not match [H] off axis 0",
    );
    expect(() => concat([x, h], 1)).toThrow("axis 1 out of range for rank 1");
    expect(() => concat([])).toThrow("concat: expected a non-empty array of nodes");
  });
});
