import { describe, expect, test } from "vitest";
import {
  constant,
  defineOp,
  evaluate,
  evaluateAll,
  input,
  type OpDef,
  param,
  resolveDim,
} from "../src/index.js";
import { add, mul } from "./miniOps.js";

describe("evaluate", () => {
  const x = input("x", ["H"]);
  const w = param("w", []);
  test("float64, flat row-major, one array per output", () => {
    const [a, b] = evaluate([mul(x, w), add(x, 1)], { x: [1, 2], w: [0.5] }, { H: 2 });
    expect(a).toEqual(Float64Array.of(0.5, 1));
    expect(b).toEqual(Float64Array.of(2, 3));
    expect(evaluate(constant(2, [2, 2]), {})).toEqual(new Float64Array(4).fill(2));
  });
  test("evaluateAll gives every reachable value", () => {
    const vals = evaluateAll([mul(x, w)], { x: [1, 2], w: [3] }, { H: 2 });
    expect(vals.size).toBe(3);
  });
  test("errors name the leaf: unbound, wrong length, unknown dim", () => {
    expect(() => evaluate(mul(x, w), { x: [1, 2] }, { H: 2 })).toThrow(
      'param "w" [] is not bound (bindings given: x)',
    );
    expect(() => evaluate(x, { x: [1, 2, 3] }, { H: 2 })).toThrow(
      'input "x" [H] = [2] needs 2 values, got 3',
    );
    expect(() => evaluate(x, { x: [1] }, {})).toThrow('unknown dim "H" in x: sizes given: none');
  });
  test("ops receive the sizes; their errors name the node", () => {
    const op = defineOp({
      name: "firstH",
      kind: "elementwise",
      arity: 1,
      shape: ([s]) => s!,
      evaluate: ([t], _a, _o, sizes) => t!.data.map(() => resolveDim("K", sizes ?? {})),
      vjp: () => [null],
      jvp: () => null,
    } as OpDef);
    expect(evaluate(op(x), { x: [1, 2] }, { H: 2, K: 7 })).toEqual(Float64Array.of(7, 7));
    expect(() => evaluate(op(x), { x: [1, 2] }, { H: 2 })).toThrow(
      'evaluating firstH(x): unknown dim "K"',
    );
  });
});
