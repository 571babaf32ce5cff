/**
 * Softplus. softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which never overflows:
 * softplus(1e4) = 1e4, softplus(−1e4) = 0. softplus′(x) = σ(x).
 */
import { js } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { sigmoid } from "./sigmoid.js";

/** Stable for any x. */
export function softplusValue(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export const softplus = unary({
  name: "softplus",
  evaluate: softplusValue,
  vjp: ({ x, g }) => mul(g, sigmoid(x)),
  emit: (x) => js`Math.max(${x}, 0) + Math.log1p(Math.exp(-Math.abs(${x})))`,
  domain: { min: -5, max: 5 },
  notation: {
    text: ([x]) => `softplus(${x})`,
    latex: ([x]) => `\\operatorname{softplus}\\left(${x}\\right)`,
    prec: 100,
  },
});
