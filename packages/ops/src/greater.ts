/** [x > y]: 1 where x is greater than y, else 0. No derivative (vjp gives nothing). */
import { js } from "@gated/graph";
import { comparison } from "./families.js";

export const greater = comparison({
  name: "greater",
  evaluate: (x, y) => x > y,
  emit: (x, y) => js`${x} > ${y} ? 1 : 0`,
  symbol: { text: ">", latex: ">" },
});
