import { printText, simplify } from "@gated/graph";
import { equal } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { at, elementwiseSuite } from "./check.js";

describe("equal", () => {
  elementwiseSuite(equal, {
    ref: (a, b) => +(a === b),
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
      expect([0, 1]).toContain(at(equal, [a, b]));
    expect(printText(simplify([equal(2, 2)])[0]!)).toMatch(/^[01]$/);
  });
});
