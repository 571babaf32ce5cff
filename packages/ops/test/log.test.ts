import { input, simplify } from "@gated/graph";
import { add, exp, log, log1p, logsigmoid, sigmoid } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("log", () => {
  elementwiseSuite(log, { ref: Math.log });
  test("rules: log(exp x), log σ(x), log(1 + x)", () => {
    const x = input("x", ["H"]);
    expect(simplify([log(exp(x))])[0]).toBe(x);
    expect(simplify([log(sigmoid(x))])[0]).toBe(logsigmoid(x));
    expect(simplify([log(add(1, x))])[0]).toBe(log1p(x));
  });
});
