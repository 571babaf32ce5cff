/** [x > y]: 1 where x is greater than y, else 0. No derivative (vjp gives nothing). */
import { comparison } from "./families.js";

export const greater = comparison({
  name: "greater",
  cmp: "gt",
  symbol: { text: ">", latex: ">" },
});
