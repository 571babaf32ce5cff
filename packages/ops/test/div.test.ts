import { input, printText, simplify } from "@gated/graph";
import { div } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("div", () => {
  elementwiseSuite(div, { ref: (a, b) => a / b });
  test("rules: x / 1, x / c", () => {
    const x = input("x", ["H"]);
    expect(simplify([x.div(1)])[0]).toBe(x);
    expect(printText(simplify([x.div(4)])[0]!)).toBe("x * 0.25");
  });
});
