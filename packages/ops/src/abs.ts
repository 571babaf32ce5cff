/** Absolute value. |x|′ = sign(x) (0 at 0, a subgradient). */
import { P, rule, S, X } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { sign } from "./sign.js";

export const abs = unary({
  name: "abs",
  scalar: (x) => S.abs(x),
  vjp: ({ x, g }) => mul(g, sign(x)),
  domain: { min: -3, max: 3, avoid: 0, gap: 0.25 },
  rules: () => [
    rule("|−x| -> |x|", P.op(abs, P.op(neg, X)), ({ x }) => abs(x)),
    rule("||x|| -> |x|", P.op(abs, P.op(abs, X)), ({ x }) => abs(x)),
  ],
  notation: { text: ([x]) => `|${x}|`, latex: ([x]) => `\\left|${x}\\right|`, prec: 100 },
});
