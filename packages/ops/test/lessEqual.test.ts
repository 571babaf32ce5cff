import { printText, simplify } from "@gated/graph";
import { lessEqual } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { at, elementwiseSuite } from "./check.js";

describe("lessEqual", () => {
  elementwiseSuite(lessEqual, {
    ref: (a, b) => +(a <= b),
    extremes: [
      [1, 1],
      [0, 0],
      [-1, 1],
      [1, -1],
    ],
  });
  test("gives 0/1 and folds on constants", () => {
    for (const [a, b] of [
      [1, 1],
      [0, 2],
      [2, 0],
    ] as const)
      expect([0, 1]).toContain(at(lessEqual, [a, b]));
    expect(printText(simplify([lessEqual(2, 2)])[0]!)).toMatch(/^[01]$/);
  });
});
