/**
 * Softplus. softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which never overflows:
 * softplus(1e4) = 1e4, softplus(−1e4) = 0. softplus′(x) = σ(x).
 */
import { S, scalarFunction } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { sigmoid } from "./sigmoid.js";

export const softplus = unary({
  name: "softplus",
  scalar: (x) => S.add(S.max(x, 0), S.log1p(S.exp(S.neg(S.abs(x))))),
  vjp: ({ x, g }) => mul(g, sigmoid(x)),
  domain: { min: -5, max: 5 },
  notation: {
    text: ([x]) => `softplus(${x})`,
    latex: ([x]) => `\\operatorname{softplus}\\left(${x}\\right)`,
    prec: 100,
  },
});

const softplusFn = scalarFunction(softplus.scalar!([S.arg(0)], {}));
/** softplus of one number, through the op's formula (stable for any x). */
export function softplusValue(x: number): number {
  return softplusFn(x, 0, 0);
}
