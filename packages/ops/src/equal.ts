/** [x = y]: 1 where x is equal to y, else 0. No derivative (vjp gives nothing). */
import { comparison } from "./families.js";

export const equal = comparison({
  name: "equal",
  cmp: "eq",
  symbol: { text: "=", latex: "=" },
  commutative: true,
});
