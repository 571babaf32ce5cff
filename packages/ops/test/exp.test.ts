import { input } from "@gated/graph";
import { exp } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("exp", () => {
  elementwiseSuite(exp, { ref: Math.exp, extremes: [[-700], [700]] });
  test("the derivative is the output itself", () => {
    const x = input("x", []);
    expect(
      exp(x).op.vjp({ x: [x], out: exp(x), g: input("g", []), attrs: {} })[0]!.inputs,
    ).toContain(exp(x));
  });
});
