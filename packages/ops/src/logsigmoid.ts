/**
 * Log-sigmoid. log σ(x) = −softplus(−x) = min(x, 0) − log1p(e^−|x|): finite for any x,
 * logsigmoid(−1e4) = −1e4. logsigmoid′(x) = σ(−x) = 1 − σ(x).
 */
import { S } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { neg } from "./neg.js";
import { sigmoid } from "./sigmoid.js";

export const logsigmoid = unary({
  name: "logsigmoid",
  scalar: (x) => S.sub(S.min(x, 0), S.log1p(S.exp(S.neg(S.abs(x))))),
  // σ(−x), not 1 − σ(x): it keeps full relative precision where σ(x) → 1
  vjp: ({ x, g }) => mul(g, sigmoid(neg(x))),
  domain: { min: -5, max: 5 },
  notation: {
    text: ([x]) => `logσ(${x})`,
    latex: ([x]) => `\\log\\sigma\\left(${x}\\right)`,
    prec: 100,
  },
});
