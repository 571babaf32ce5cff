/** Logistic sigmoid. σ(x) = 1 / (1 + e^−x),  σ′(x) = σ(x)·(1 − σ(x)). */
import { js } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { sub } from "./sub.js";

/** Stable for any |x|: e^−x never overflows into the result. */
function sigma(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const sigmoid = unary({
  name: "sigmoid",
  evaluate: sigma,
  // written on the output, so the backward sweep reuses σ(x) instead of recomputing exp
  vjp: ({ out, g }) => mul(g, mul(out, sub(1, out))),
  // 1/(1+e^−x) is exact in floating point for x ≥ −709; below, e^−x = ∞ gives 0, the limit
  emit: (x) => js`1 / (1 + Math.exp(-${x}))`,
  domain: { min: -6, max: 6 },
  notation: { text: ([x]) => `σ(${x})`, latex: ([x]) => `\\sigma\\left(${x}\\right)`, prec: 100 },
});
