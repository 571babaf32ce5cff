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

describe("reshape between different dims ([K] ↔ [H, H])", () => {
  const v = input("v", ["K"]);
  test("is accepted, and evaluates once the sizes agree", () => {
    const m = reshape(v, ["H", "H"]);
    expect(m.shape).toEqual(["H", "H"]);
    expect(Array.from(evaluate(m, { v: [1, 2, 3, 4] }, { K: 4, H: 2 }))).toEqual([1, 2, 3, 4]);
    expect(reshape(m, ["K"])).toBe(v);
    checkGrad(
      sum(reshape(v, ["H", "H"]).mul(input("u", ["H", "H"]))),
      [v],
      {
        v: [1, 2, 3, 4],
        u: [4, 3, 2, 1],
      },
      { K: 4, H: 2 },
    );
  });
  test("sizes that disagree are an error naming both shapes, as written and as bound", () => {
    expect(() => evaluate(reshape(v, ["H", "H"]), { v: [1, 2, 3] }, { K: 3, H: 2 })).toThrow(
      "cannot reshape [K] = [3] (3 values) to [H,H] = [2,2] (4 values): the sizes must agree",
    );
  });
  test("the same dims in another order, or another count of values, are still rejected at once", () => {
    expect(() => reshape(input("w", ["H"]), [2, "H"])).toThrow("cannot reshape [H] to [2,H]");
    expect(() => reshape(input("m", ["H", "I"]), ["I", "H"])).toThrow(
      "cannot reshape [H,I] to [I,H]",
    );
  });
});
