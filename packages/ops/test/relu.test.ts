import { input, simplify } from "@gated/graph";
import { relu } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { derivative, elementwiseSuite } from "./check.js";

describe("relu", () => {
  elementwiseSuite(relu, { ref: (a) => Math.max(a, 0), extremes: [[0], [-1e4], [1e4]] });
  test("derivative 1 above 0, 0 at and below 0; relu(relu x) -> relu x", () => {
    expect(derivative(relu, [2])[0]).toBe(1);
    expect(derivative(relu, [0])[0]).toBe(0);
    expect(derivative(relu, [-2])[0]).toBe(0);
    const x = input("x", ["H"]);
    expect(simplify([relu(relu(x))])[0]).toBe(relu(x));
  });
});
