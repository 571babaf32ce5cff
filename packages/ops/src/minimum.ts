/**
 * Elementwise minimum with broadcasting. ∂ = (g·[x ≤ y], g·[x > y]): at a tie the whole
 * cotangent goes to x, so min(x, x) has derivative 1.
 */
import { P, rule, S, X } from "@gated/graph";
import { binary } from "./families.js";
import { greater } from "./greater.js";
import { lessEqual } from "./lessEqual.js";
import { mul } from "./mul.js";

export const minimum = binary({
  name: "minimum",
  scalar: (x, y) => S.min(x, y), // NaN propagates, min(-0, 0) = -0 either way round
  vjp: ({ x, y, g }) => [mul(g, lessEqual(x, y)), mul(g, greater(x, y))],
  domain: { min: -3, max: 3 },
  commutative: true,
  rules: () => [rule("min(x, x) -> x", P.op(minimum, X, X), ({ x }) => x)],
  notation: {
    text: ([x, y]) => `min(${x}, ${y})`,
    latex: ([x, y]) => `\\min\\left(${x}, ${y}\\right)`,
    prec: 100,
  },
});
