/** [x = y]: 1 where x is equal to y, else 0. No derivative (vjp gives nothing). */
import { js } from "@gated/graph";
import { comparison } from "./families.js";

export const equal = comparison({
  name: "equal",
  evaluate: (x, y) => x === y,
  emit: (x, y) => js`${x} === ${y} ? 1 : 0`,
  symbol: { text: "=", latex: "=" },
  commutative: true,
});
