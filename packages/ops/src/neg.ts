/** Negation. ∂(−x) = −g. */
import { P, rule, S, X, Y } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

export const neg = unary({
  name: "neg",
  scalar: (x) => S.neg(x),
  vjp: ({ g }) => neg(g),
  domain: { min: -3, max: 3 },
  rules: () => [
    rule("-(-x) -> x", P.op(neg, P.op(neg, X)), ({ x }) => x),
    rule("-(x - y) -> y - x", P.op(neg, P.op(sub, X, Y)), ({ x, y }) => sub(y, x)),
    rule("-(x * c) -> x * (-c)", P.op(neg, P.op(mul, X, P.k("c"))), ({ x, $ }) => mul(x, -$["c"]!)),
  ],
  notation: { text: ([x]) => `-${x}`, latex: ([x]) => `-${x}`, prec: 30 },
});
