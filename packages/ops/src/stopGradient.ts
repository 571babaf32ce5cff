/**
 * Stop-gradient: the identity in value, a constant to autodiff (vjp and jvp are zero). Used
 * for stabilisers such as the max subtracted inside logsumexp.
 */
import { P, rule, X } from "@gated/graph";
import { unary } from "./families.js";

export const stopGradient = unary({
  name: "stopGradient",
  scalar: (x) => x,
  vjp: () => null,
  domain: { min: -3, max: 3 },
  differentiable: false,
  rules: () => [
    rule("sg(sg(x)) -> sg(x)", P.op(stopGradient, P.op(stopGradient, X)), ({ x }) =>
      stopGradient(x),
    ),
  ],
  notation: {
    text: ([x]) => `sg(${x})`,
    latex: ([x]) => `\\operatorname{sg}\\left(${x}\\right)`,
    prec: 100,
  },
});
