/** Addition with broadcasting. ∂(x + y) = (g, g). */
import { P, rule, S, X, Y } from "@gated/graph";
import { binary } from "./families.js";
import { neg } from "./neg.js";
import { sub } from "./sub.js";

export const add = binary({
  name: "add",
  scalar: (x, y) => S.add(x, y),
  algebra: { sum: true },
  vjp: ({ g }) => [g, g],
  domain: { min: -3, max: 3 },
  commutative: true,
  rules: () => [
    rule("x + 0 -> x", P.op(add, X, 0), ({ x }) => x),
    rule("x + (-y) -> x - y", P.op(add, X, P.op(neg, Y)), ({ x, y }) => sub(x, y)),
    rule("x + x -> 2x", P.op(add, X, X), ({ x }) => x.mul(2)),
  ],
  notation: { text: ([x, y]) => `${x} + ${y}`, latex: ([x, y]) => `${x} + ${y}`, prec: 10 },
});
