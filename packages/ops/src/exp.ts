/** Exponential. exp′(x) = exp(x), reused from the output. */
import { S } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";

export const exp = unary({
  name: "exp",
  scalar: (x) => S.exp(x),
  vjp: ({ out, g }) => mul(g, out),
  domain: { min: -4, max: 4 },
  notation: { text: ([x]) => `exp(${x})`, latex: ([x]) => `\\exp\\left(${x}\\right)`, prec: 100 },
});
