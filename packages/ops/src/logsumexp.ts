/**
 * log Σ exp(x) over an axis (or "all"), as a stable composite: with m = sg(max x),
 * m + log Σ exp(x − m). Every exp is ≤ 1 and the sum ≥ 1, so it is finite for any finite x;
 * m is constant to autodiff (the result does not depend on it), so ∂ = softmax(x).
 */
import type { Node } from "@gated/graph";
import { exp } from "./exp.js";
import { log } from "./log.js";
import { reduceMax } from "./reduceMax.js";
import { stopGradient } from "./stopGradient.js";
import { type Axis, checkAxis, sum, unreduce } from "./sum.js";

export function logsumexp(x: Node, axis: Axis = "all"): Node {
  const k = checkAxis(x, axis, "logsumexp");
  const m = stopGradient(reduceMax(x, k));
  return m.add(log(sum(exp(x.sub(unreduce(m, x.shape, k))), k)));
}
