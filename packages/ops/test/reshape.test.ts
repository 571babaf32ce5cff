import { evaluate, input } from "@gated/graph";
import { reshape, sum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { checkGrad } from "./check.js";

describe("reshape", () => {
  test("moves no data; collapses nested reshapes", () => {
    const m = input("m", [2, 3]);
    expect(Array.from(evaluate(reshape(m, [6]), { m: [1, 2, 3, 4, 5, 6] }))).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    expect(reshape(reshape(m, [6]), [3, 2]).inputs[0]).toBe(m);
    expect(reshape(m, [2, 3])).toBe(m);
  });
  test("symbolic dims keep their order", () => {
    const v = input("v", ["H"]);
    expect(reshape(v, ["H", 1]).shape).toEqual(["H", 1]);
    expect(() => reshape(input("w", [2, "H"]), ["H", 2])).toThrow("cannot reshape [2,H] to [H,2]");
  });
  test("gradient", () => {
    const v = input("v", [4]);
    checkGrad(sum(reshape(v, [2, 2]).mul(input("u", [2, 2]))), [v], {
      v: [1, 2, 3, 4],
      u: [4, 3, 2, 1],
    });
  });
});
