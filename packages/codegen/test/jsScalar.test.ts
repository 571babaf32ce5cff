import { evalScalar, S, SCALAR_ARITY, type Scalar, type ScalarOp } from "@gated/graph";
import { describe, expect, test } from "vitest";
import { scalarJs } from "../src/backends/js/scalar.js";

const POINTS = [0, -0, 1, -1, 2.5, -3.75, 1e-310, 1e300, -1e300, Infinity, -Infinity, NaN];

/** The rendered text as a function of its operands a, b, c. */
function compiled(s: Scalar): (a: number, b: number, c: number) => number {
  return new Function("a", "b", "c", `return ${scalarJs(s, ["a", "b", "c"])};`) as (
    a: number,
    b: number,
    c: number,
  ) => number;
}

describe("the JS table renders the scalar IR", () => {
  test("every operation computes evalScalar's value, NaN and ±0 included", () => {
    for (const op of Object.keys(SCALAR_ARITY) as ScalarOp[]) {
      const n = SCALAR_ARITY[op];
      const tree: Scalar = { k: "op", op, args: [S.arg(0), S.arg(1), S.arg(2)].slice(0, n) };
      const f = compiled(tree);
      for (const a of POINTS)
        for (const b of POINTS)
          for (const c of n === 3 ? POINTS : [0]) {
            expect(
              Object.is(f(a, b, c), evalScalar(tree, [a, b, c])),
              `${op}(${a}, ${b}, ${c})`,
            ).toBe(true);
          }
    }
  });

  test("operands are parenthesised only where JavaScript needs it", () => {
    const [a, b, c] = [S.arg(0), S.arg(1), S.arg(2)];
    const js = (s: Scalar) => scalarJs(s, ["a", "b", "c"]);
    expect(js(S.div(1, S.add(1, S.exp(S.neg(a)))))).toBe("1 / (1 + Math.exp(-a))");
    expect(js(S.sub(1, a))).toBe("1 - a");
    expect(js(S.sub(a, S.sub(b, c)))).toBe("a - (b - c)");
    expect(js(S.sub(S.sub(a, b), c))).toBe("a - b - c");
    expect(js(S.neg(S.neg(a)))).toBe("-(-a)");
    expect(js(S.mul(a, -2))).toBe("a * (-2)");
    expect(js(S.add(a, -0))).toBe("a + (-0)");
    expect(js(S.select(S.ge(a, 0), b, c))).toBe("a >= 0 ? b : c");
    expect(js(S.select(a, b, c))).toBe("a !== 0 ? b : c");
    expect(js(S.gt(a, b))).toBe("a > b ? 1 : 0");
    expect(js(S.mul(S.gt(a, b), c))).toBe("(a > b ? 1 : 0) * c");
  });

  test("numbers given as operands are literals", () => {
    expect(scalarJs(S.add(S.arg(0), S.arg(1)), ["x", -1])).toBe("x + (-1)");
    expect(scalarJs(S.mul(S.arg(0), S.arg(0)), [NaN])).toBe("NaN * NaN");
  });
});
