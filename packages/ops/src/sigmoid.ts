/** Logistic sigmoid. σ(x) = 1 / (1 + e^−x),  σ′(x) = σ(x)·(1 − σ(x)). */
import { S } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

export const sigmoid = unary({
  name: "sigmoid",
  // The stable form, decided once for the interpreter and every backend: e^−x for x ≥ 0 and
  // e^x / (1 + e^x) below, so the exponential never overflows (σ(−1e4) = 0, σ(1e4) = 1) and
  // σ(x) keeps full relative precision for large negative x. NaN takes the second branch: NaN.
  scalar: (x) =>
    S.select(S.ge(x, 0), S.div(1, S.add(1, S.exp(S.neg(x)))), S.div(S.exp(x), S.add(1, S.exp(x)))),
  // written on the output, so the backward sweep reuses σ(x) instead of recomputing exp
  vjp: ({ out, g }) => mul(g, mul(out, sub(1, out))),
  domain: { min: -6, max: 6 },
  notation: { text: ([x]) => `σ(${x})`, latex: ([x]) => `\\sigma\\left(${x}\\right)`, prec: 100 },
});
