/** Negation. ∂(−x) = −g. */
import { js, P, rule, X } from "@gated/graph";
import { unary } from "./families.js";

export const neg = unary({
  name: "neg",
  evaluate: (x) => -x,
  vjp: ({ g }) => neg(g),
  emit: (x) => js`-${x}`,
  domain: { min: -3, max: 3 },
  rules: () => [rule("-(-x) -> x", P.op(neg, P.op(neg, X)), ({ x }) => x)],
  notation: { text: ([x]) => `-${x}`, latex: ([x]) => `-${x}`, prec: 30 },
});
