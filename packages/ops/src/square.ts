/** Square. (x²)′ = 2x. */
import { S } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";

export const square = unary({
  name: "square",
  scalar: (x) => S.mul(x, x),
  vjp: ({ x, g }) => mul(g, mul(x, 2)),
  domain: { min: -3, max: 3 },
  notation: { text: ([x]) => `${x}^2`, latex: ([x]) => `{${x}}^{2}`, prec: 40 },
});
