import { describe, expect, test } from "vitest";
import { constant, constValue, input, isLeaf, param, zeros } from "../src/index.js";

describe("leaves", () => {
  test("inputs, params, constants and zeros", () => {
    expect(isLeaf(input("x", ["H"]))).toBe(true);
    expect(constValue(zeros(["H"]))).toBe(0);
    expect(zeros(["H"]).shape).toEqual(["H"]);
    expect(constValue(input("x", []))).toBeUndefined();
    expect(param("W", ["H", "I"]).label).toBe("W");
  });
  test("names and dims are validated", () => {
    expect(() => input("1x", [])).toThrow('input name "1x" must be an identifier');
    expect(() => param("w", [-1])).toThrow(
      "param w: dim -1 must be a non-negative integer or a name",
    );
    expect(() => param("w", ["H/2"])).toThrow(
      'param w: dim "H/2" must be a non-negative integer or a name',
    );
    expect(input("v", ["2*H"]).shape).toEqual(["2*H"]);
  });
  test("constants must be finite unless asked", () => {
    expect(() => constant(Infinity)).toThrow("constant Infinity is not finite");
    expect(constant(NaN, [], { allowNonFinite: true }).attrs["value"]).toBeNaN();
  });
});
