import { describe, expect, test } from "vitest";
import {
  addDims,
  broadcastShapes,
  isDim,
  parseDim,
  resolveDim,
  resolveShape,
  sameShape,
  strides,
  subDims,
} from "../src/index.js";

describe("broadcasting", () => {
  test("numpy rules on trailing dims", () => {
    expect(broadcastShapes(["H"], [])).toEqual(["H"]);
    expect(broadcastShapes(["H", 1], ["I"])).toEqual(["H", "I"]);
    expect(broadcastShapes([1, "I"], ["H", 1])).toEqual(["H", "I"]);
  });
  test("symbolic dims only match themselves", () => {
    expect(() => broadcastShapes(["H"], ["I"])).toThrow("shapes [H] and [I] do not broadcast");
  });
});

describe("symbolic dims", () => {
  test("resolve names and linear forms", () => {
    expect(resolveShape(["H", 2, "2*H+I-1"], { H: 3, I: 4 })).toEqual([3, 2, 9]);
    expect(resolveDim("H-I", { H: 3, I: 1 })).toBe(2);
  });
  test("unknown and negative dims are errors naming the dim", () => {
    expect(() => resolveShape(["H", "J"], { H: 1 }, "x")).toThrow(
      'unknown dim "J" in x: sizes given: H',
    );
    expect(() => resolveDim("2*H+K", { H: 1 })).toThrow(
      'unknown dim "K" (in "2*H+K"): sizes given: H',
    );
    expect(() => resolveDim("H-3", { H: 1 })).toThrow('dim "H-3" is -2 for the sizes given');
    expect(() => resolveDim("H", { H: 1.5 })).toThrow(
      'size of dim "H" must be a non-negative integer, got 1.5',
    );
  });
  test("add and subtract canonically", () => {
    expect(addDims("H", "H")).toBe("2*H");
    expect(addDims("I", "H")).toBe("H+I");
    expect(addDims("H", 3)).toBe("H+3");
    expect(addDims(2, 3)).toBe(5);
    expect(subDims("2*H", "H")).toBe("H");
    expect(subDims("H+I", "I+H")).toBe(0);
    expect(subDims("H", 1)).toBe("H-1");
    expect(subDims(0, "H")).toBe("-H");
    expect(parseDim("2*H+I-1")).toEqual({ terms: { H: 2, I: 1 }, c: -1 });
    expect(parseDim("H*2")).toBeNull();
  });
  test("what counts as a dim", () => {
    expect(isDim(3)).toBe(true);
    expect(isDim("H")).toBe(true);
    expect(isDim("2*H+1")).toBe(true);
    expect(isDim(-1)).toBe(false);
    expect(isDim("H H")).toBe(true); // whitespace is ignored: "HH"
    expect(isDim("H/2")).toBe(false);
  });
  test("helpers", () => {
    expect(sameShape(["H", 1], ["H", 1])).toBe(true);
    expect(sameShape(["H"], ["H", 1])).toBe(false);
    expect(strides([2, 3, 4])).toEqual([12, 4, 1]);
  });
});
