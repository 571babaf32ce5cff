/** Sign: −1, 0 or 1. Piecewise constant, so no derivative (what |x|′ is made of). */
import { S } from "@gated/graph";
import { unary } from "./families.js";

export const sign = unary({
  name: "sign",
  scalar: (x) => S.sign(x), // sign(NaN) = NaN, sign(-0) = -0
  vjp: () => null,
  domain: { min: -3, max: 3, avoid: 0, gap: 0.25 },
  differentiable: false,
  notation: {
    text: ([x]) => `sign(${x})`,
    latex: ([x]) => `\\operatorname{sign}\\left(${x}\\right)`,
    prec: 100,
  },
});
