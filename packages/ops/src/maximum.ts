/**
 * Elementwise maximum with broadcasting. ∂ = (g·[x ≥ y], g·[x < y]): at a tie the whole
 * cotangent goes to x, so max(x, x) has derivative 1.
 */
import { P, rule, S, X } from "@gated/graph";
import { binary } from "./families.js";
import { greaterEqual } from "./greaterEqual.js";
import { less } from "./less.js";
import { mul } from "./mul.js";

export const maximum = binary({
  name: "maximum",
  scalar: (x, y) => S.max(x, y), // NaN propagates, max(-0, 0) = 0 either way round
  vjp: ({ x, y, g }) => [mul(g, greaterEqual(x, y)), mul(g, less(x, y))],
  domain: { min: -3, max: 3 },
  commutative: true,
  rules: () => [rule("max(x, x) -> x", P.op(maximum, X, X), ({ x }) => x)],
  notation: {
    text: ([x, y]) => `max(${x}, ${y})`,
    latex: ([x, y]) => `\\max\\left(${x}, ${y}\\right)`,
    prec: 100,
  },
});
