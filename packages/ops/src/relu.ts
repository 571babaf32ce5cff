/** Rectified linear unit. relu(x) = max(x, 0); relu′(x) = [x > 0], read off the output. */
import { P, rule, S, X } from "@gated/graph";
import { unary } from "./families.js";
import { greater } from "./greater.js";
import { mul } from "./mul.js";

export const relu = unary({
  name: "relu",
  scalar: (x) => S.max(x, 0), // NaN stays NaN, relu(-0) = 0
  // [out > 0] = [x > 0]: backward needs only the output
  vjp: ({ out, g }) => mul(g, greater(out, 0)),
  domain: { min: -3, max: 3, avoid: 0, gap: 0.25 },
  rules: () => [rule("relu(relu(x)) -> relu(x)", P.op(relu, P.op(relu, X)), ({ x }) => relu(x))],
  notation: {
    text: ([x]) => `relu(${x})`,
    latex: ([x]) => `\\operatorname{relu}\\left(${x}\\right)`,
    prec: 100,
  },
});
