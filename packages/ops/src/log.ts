/** Natural logarithm. log′(x) = 1/x. */
import { js, P, rule, X } from "@gated/graph";
import { unary } from "./families.js";
import { div } from "./div.js";
import { exp } from "./exp.js";

export const log = unary({
  name: "log",
  evaluate: Math.log,
  vjp: ({ x, g }) => div(g, x),
  emit: (x) => js`Math.log(${x})`,
  domain: { min: 0.2, max: 5 },
  rules: () => [rule("log(exp(x)) -> x", P.op(log, P.op(exp, X)), ({ x }) => x)],
  notation: { text: ([x]) => `log(${x})`, latex: ([x]) => `\\log\\left(${x}\\right)`, prec: 100 },
});
