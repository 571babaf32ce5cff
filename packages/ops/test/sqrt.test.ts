import { input, simplify } from "@gated/graph";
import { abs, sqrt, square } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { derivative, elementwiseSuite } from "./check.js";

describe("sqrt", () => {
  elementwiseSuite(sqrt, { ref: Math.sqrt });
  test("derivative reuses the output; sqrt(x²) -> |x|", () => {
    expect(derivative(sqrt, [4])[0]).toBe(0.25);
    const x = input("x", ["H"]);
    expect(simplify([sqrt(square(x))])[0]).toBe(abs(x));
  });
});
