/** Division with broadcasting. ∂(x / y) = (g / y, −g·out / y). */
import { P, rule, S, X } from "@gated/graph";
import { binary } from "./families.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";

export const div = binary({
  name: "div",
  scalar: (x, y) => S.div(x, y),
  // 0 / y = 0 for the lowering's zero tracking (cotangents known to be zero)
  algebra: { zeroAbsorbing: [0] },
  vjp: ({ y, out, g }) => [div(g, y), neg(div(mul(g, out), y))],
  domain: [
    { min: -3, max: 3 },
    { min: -3, max: 3, avoid: 0, gap: 0.5 },
  ],
  rules: () => [
    rule("x / 1 -> x", P.op(div, X, 1), ({ x }) => x),
    rule("x / c -> x * (1/c)", P.op(div, X, P.k("c")), ({ x, $ }) =>
      $["c"] !== 0 ? mul(x, 1 / $["c"]!) : null,
    ),
  ],
  notation: {
    text: ([x, y]) => `${x} / ${y}`,
    latex: ([x, y]) => `\\frac{${x}}{${y}}`,
    prec: 20,
    latexPrec: 100,
    enclosed: { latex: [0, 1] },
  },
});
