import { evaluate, input, printText, simplify } from "@gated/graph";
import { slice, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("slice", () => {
  const v = input("v", ["2*H"]);
  test("numeric and symbolic ranges", () => {
    const vals = { v: [1, 2, 3, 4, 5, 6] };
    expect(slice(v, 0, "H", "2*H").shape).toEqual(["H"]);
    expect(Array.from(evaluate(slice(v, 0, "H", "2*H"), vals, { H: 3 }))).toEqual([4, 5, 6]);
    expect(Array.from(evaluate(slice(v, 0, 1, "H+1"), vals, { H: 3 }))).toEqual([2, 3, 4]);
    const m = input("m", [2, 3]);
    expect(Array.from(evaluate(slice(m, 1, 1, 3), { m: [1, 2, 3, 4, 5, 6] }))).toEqual([
      2, 3, 5, 6,
    ]);
    expect(Array.from(evaluate(slice(m, -2, 1, 2), { m: [1, 2, 3, 4, 5, 6] }))).toEqual([4, 5, 6]);
  });
  test("the full range is the node itself; slices of slices compose", () => {
    expect(slice(v, 0, 0, "2*H")).toBe(v);
    expect(slice(v, 0, 0, "H+H")).toBe(v);
    expect(simplify([slice(slice(v, 0, 1, "2*H"), 0, 1, "H")])[0]).toBe(slice(v, 0, 2, "H+1"));
  });
  test("prints as a postfix range", () => {
    expect(printText(slice(v.mul(2), 0, 0, "H"))).toBe("(v * 2)[0: 0..H]");
    expect(printText(slice(v, 0, 0, "H").mul(2))).toBe("v[0: 0..H] * 2");
  });
  test("vjp pads with zeros; gradient matches differences", () => {
    const w = input("w", [5]);
    const s = slice(w, 0, 1, 3);
    const [d] = s.op.vjp({ x: [w], out: s, g: input("g", [2]), attrs: s.attrs });
    expect(printText(d!)).toBe("concat([0, g, 0], 0)");
    checkGrad(sum(s.mul(input("u", [2]))), [w], { w: [1, 2, 3, 4, 5], u: [2, -3] });
  });
  test("ranges that cannot fit are errors, at build time or once sizes are bound", () => {
    expect(() => slice(input("w", [3]), 0, 2, 1)).toThrow(
      "slice(w : [3]): range 2:1 does not fit in dim 3 of [3]",
    );
    expect(() => evaluate(slice(v, 0, 4, 5), { v: [1, 2, 3, 4] }, { H: 2 })).toThrow(
      "range 4:5 does not fit in dim 4",
    );
  });
});
