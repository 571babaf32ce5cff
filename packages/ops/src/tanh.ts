/** Hyperbolic tangent. tanh′(x) = 1 − tanh²(x), written on the output so backward reuses it. */
import { S } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";
import { square } from "./square.js";
import { sub } from "./sub.js";

export const tanh = unary({
  name: "tanh",
  // Math.tanh saturates to ±1 without overflow for any |x|
  scalar: (x) => S.tanh(x),
  vjp: ({ out, g }) => mul(g, sub(1, square(out))),
  domain: { min: -4, max: 4 },
  notation: { text: ([x]) => `tanh(${x})`, latex: ([x]) => `\\tanh\\left(${x}\\right)`, prec: 100 },
});
