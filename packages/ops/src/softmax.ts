/**
 * Softmax over an axis (default the last): exp(x − m) / Σ exp(x − m) with m = sg(max x), a
 * stable composite. Its derivative comes from autodiff through exp, sum and div.
 */
import type { Node } from "@gated/graph";
import { exp } from "./exp.js";
import { reduceMax } from "./reduceMax.js";
import { stopGradient } from "./stopGradient.js";
import { type Axis, checkAxis, sum, unreduce } from "./sum.js";

export function softmax(x: Node, axis: Axis = -1): Node {
  const k = checkAxis(x, axis, "softmax");
  const e = exp(x.sub(unreduce(stopGradient(reduceMax(x, k)), x.shape, k)));
  return e.div(unreduce(sum(e, k), x.shape, k));
}
