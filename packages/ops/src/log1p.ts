/** log(1 + x), accurate for small x. log1p′(x) = 1/(1 + x). */
import { P, rule, S, X } from "@gated/graph";
import { add } from "./add.js";
import { div } from "./div.js";
import { exp } from "./exp.js";
import { unary } from "./families.js";
import { softplus } from "./softplus.js";

export const log1p = unary({
  name: "log1p",
  scalar: (x) => S.log1p(x),
  vjp: ({ x, g }) => div(g, add(x, 1)),
  domain: { min: -0.7, max: 4 },
  rules: () => [
    rule("log1p(exp(x)) -> softplus(x)", P.op(log1p, P.op(exp, X)), ({ x }) => softplus(x)),
  ],
  notation: {
    text: ([x]) => `log1p(${x})`,
    latex: ([x]) => `\\log\\left(1 + ${x}\\right)`,
    prec: 100,
  },
});
