/** Square. (x²)′ = 2x. */
import { js } from "@gated/graph";
import { unary } from "./families.js";
import { mul } from "./mul.js";

export const square = unary({
  name: "square",
  evaluate: (x) => x * x,
  vjp: ({ x, g }) => mul(g, mul(x, 2)),
  emit: (x) => js`${x} * ${x}`,
  domain: { min: -3, max: 3 },
  notation: { text: ([x]) => `${x}^2`, latex: ([x]) => `{${x}}^{2}`, prec: 40 },
});
