/** log(1 + x), accurate for small x. log1p′(x) = 1/(1 + x). */
import { js, P, rule, X } from "@gated/graph";
import { add } from "./add.js";
import { div } from "./div.js";
import { exp } from "./exp.js";
import { unary } from "./families.js";
import { softplus } from "./softplus.js";

export const log1p = unary({
  name: "log1p",
  evaluate: Math.log1p,
  vjp: ({ x, g }) => div(g, add(x, 1)),
  emit: (x) => js`Math.log1p(${x})`,
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
