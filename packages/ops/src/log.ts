/** Natural logarithm. log′(x) = 1/x. */
import { P, rule, S, X } from "@gated/graph";
import { add } from "./add.js";
import { div } from "./div.js";
import { exp } from "./exp.js";
import { unary } from "./families.js";
import { log1p } from "./log1p.js";
import { logsigmoid } from "./logsigmoid.js";
import { sigmoid } from "./sigmoid.js";

export const log = unary({
  name: "log",
  scalar: (x) => S.log(x),
  vjp: ({ x, g }) => div(g, x),
  domain: { min: 0.2, max: 5 },
  rules: () => [
    rule("log(exp(x)) -> x", P.op(log, P.op(exp, X)), ({ x }) => x),
    rule("log(σ(x)) -> logσ(x)", P.op(log, P.op(sigmoid, X)), ({ x }) => logsigmoid(x)),
    rule("log(1 + x) -> log1p(x)", P.op(log, P.op(add, 1, X)), ({ x }) => log1p(x)),
  ],
  notation: { text: ([x]) => `log(${x})`, latex: ([x]) => `\\log\\left(${x}\\right)`, prec: 100 },
});
