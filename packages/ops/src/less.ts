/** [x < y]: 1 where x is less than y, else 0. No derivative (vjp gives nothing). */
import { comparison } from "./families.js";

export const less = comparison({
  name: "less",
  cmp: "lt",
  symbol: { text: "<", latex: "<" },
});
