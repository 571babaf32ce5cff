/** Elementwise product with broadcasting. ∂(x·y) = (g·y, g·x). */
import { P, rule, S, X, Y } from "@gated/graph";
import { binary } from "./families.js";
import { neg } from "./neg.js";
import { square } from "./square.js";

export const mul = binary({
  name: "mul",
  scalar: (x, y) => S.mul(x, y),
  // 0 · y = 0 for the lowering's zero tracking (cotangents known to be zero)
  algebra: { zeroAbsorbing: [0, 1] },
  vjp: ({ x, y, g }) => [mul(g, y), mul(g, x)],
  domain: { min: -3, max: 3 },
  commutative: true,
  rules: () => [
    rule("x * 1 -> x", P.op(mul, X, 1), ({ x }) => x),
    rule("x * 0 -> 0", P.op(mul, X, 0), () => 0),
    rule("x * -1 -> -x", P.op(mul, X, -1), ({ x }) => neg(x)),
    rule("(-x) * (-y) -> x * y", P.op(mul, P.op(neg, X), P.op(neg, Y)), ({ x, y }) => mul(x, y)),
    rule("(-x) * c -> x * (-c)", P.op(mul, P.op(neg, X), P.k("c")), ({ x, $ }) => mul(x, -$["c"]!)),
    // (-x) * y -> -(x * y) is not a rule: when -x is shared it would duplicate the negation
    rule("x * x -> x²", P.op(mul, X, X), ({ x }) => square(x)),
    rule("a * (b * x) -> (ab) * x", P.op(mul, P.k("a"), P.op(mul, P.k("b"), X)), ({ x, $ }) =>
      Number.isFinite($["a"]! * $["b"]!) ? mul(x, $["a"]! * $["b"]!) : null,
    ),
  ],
  notation: { text: ([x, y]) => `${x} * ${y}`, latex: ([x, y]) => `${x} \\odot ${y}`, prec: 20 },
});
