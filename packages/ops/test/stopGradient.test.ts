import { evaluate, grad, input, type Node, simplify } from "@gated/graph";
import { mul, stopGradient } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { elementwiseSuite } from "./check.js";

describe("stopGradient", () => {
  elementwiseSuite(stopGradient, { ref: (a) => a });
  test("value passes, gradient stops: ∂(x·sg(x)) = sg(x)", () => {
    const x = input("x", []);
    const [g] = evaluate([import_grad(mul(x, stopGradient(x)), x)], { x: [3] });
    expect(g![0]).toBe(3);
    expect(simplify([stopGradient(stopGradient(x))])[0]).toBe(stopGradient(x));
  });
});

function import_grad(y: Node, x: Node): Node {
  return grad(y, [x])[0]!;
}
