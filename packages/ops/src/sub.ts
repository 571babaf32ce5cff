/** Subtraction with broadcasting. ∂(x − y) = (g, −g). */
import { P, rule, S, X, Y } from "@gated/graph";
import { add } from "./add.js";
import { binary } from "./families.js";
import { neg } from "./neg.js";

export const sub = binary({
  name: "sub",
  scalar: (x, y) => S.sub(x, y),
  vjp: ({ g }) => [g, neg(g)],
  domain: { min: -3, max: 3 },
  rules: () => [
    rule("x - 0 -> x", P.op(sub, X, 0), ({ x }) => x),
    rule("0 - x -> -x", P.op(sub, 0, X), ({ x }) => neg(x)),
    rule("x - x -> 0", P.op(sub, X, X), ({ x }) => x.mul(0)),
    rule("x - (-y) -> x + y", P.op(sub, X, P.op(neg, Y)), ({ x, y }) => add(x, y)),
    rule("a - (a - x) -> x", P.op(sub, P.k("a"), P.op(sub, P.k("a"), X)), ({ x }) => x),
    rule("(x + y) - y -> x", P.op(sub, P.op(add, X, Y), Y), ({ x }) => x),
  ],
  notation: { text: ([x, y]) => `${x} - ${y}`, latex: ([x, y]) => `${x} - ${y}`, prec: 10 },
});
