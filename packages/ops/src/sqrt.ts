/** Square root. sqrt′(x) = 1 / (2·sqrt(x)), written on the output. */
import { P, rule, S, X } from "@gated/graph";
import { abs } from "./abs.js";
import { div } from "./div.js";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { square } from "./square.js";

export const sqrt = unary({
  name: "sqrt",
  scalar: (x) => S.sqrt(x),
  vjp: ({ out, g }) => div(g, mul(out, 2)),
  domain: { min: 0.2, max: 5 },
  rules: () => [rule("sqrt(x²) -> |x|", P.op(sqrt, P.op(square, X)), ({ x }) => abs(x))],
  notation: { text: ([x]) => `sqrt(${x})`, latex: ([x]) => `\\sqrt{${x}}`, prec: 100 },
});
