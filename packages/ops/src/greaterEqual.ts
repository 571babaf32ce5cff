/** [x ≥ y]: 1 where x is at least y, else 0. No derivative (vjp gives nothing). */
import { comparison } from "./families.js";

export const greaterEqual = comparison({
  name: "greaterEqual",
  cmp: "ge",
  symbol: { text: "≥", latex: "\\ge" },
});
