import { evaluate, grad, input, type Node, simplify } from "@gated/graph";
import { maximum } from "@gated/ops";
import { describe, expect, test } from "vitest";
import { derivative, elementwiseSuite } from "./check.js";

describe("maximum", () => {
  elementwiseSuite(maximum, {
    ref: Math.max,
    extremes: [
      [1, 1],
      [-0.5, 2],
    ],
  });
  test("at a tie the cotangent goes to one side: max(x, x)′ = 1; max(x, x) -> x", () => {
    expect(derivative(maximum, [1, 1])).toEqual([1, 0]);
    expect(derivative(maximum, [1, 2])).toEqual([0, 1]);
    const x = input("x", []);
    const [g] = evaluate([import_grad(maximum(x, x), x)], { x: [0.3] });
    expect(g![0]).toBe(1);
    expect(simplify([maximum(x, x)])[0]).toBe(x);
  });
});

function import_grad(y: Node, x: Node): Node {
  return grad(y, [x])[0]!;
}
