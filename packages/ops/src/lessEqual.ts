/** [x ≤ y]: 1 where x is at most y, else 0. No derivative (vjp gives nothing). */
import { comparison } from "./families.js";

export const lessEqual = comparison({
  name: "lessEqual",
  cmp: "le",
  symbol: { text: "≤", latex: "\\le" },
});
