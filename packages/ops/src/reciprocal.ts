/** Reciprocal. (1/x)′ = −1/x² = −out², written on the output. */
import { P, rule, S, X } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { square } from "./square.js";

export const reciprocal = unary({
  name: "reciprocal",
  scalar: (x) => S.div(1, x),
  vjp: ({ out, g }) => neg(mul(g, square(out))),
  domain: { min: -3, max: 3, avoid: 0, gap: 0.5 },
  rules: () => [
    rule("1/(1/x) -> x", P.op(reciprocal, P.op(reciprocal, X)), ({ x }) => x),
    rule("1/(−x) -> −(1/x)", P.op(reciprocal, P.op(neg, X)), ({ x }) => neg(reciprocal(x))),
  ],
  notation: { text: ([x]) => `1 / ${x}`, latex: ([x]) => `\\frac{1}{${x}}`, prec: 20 },
});
