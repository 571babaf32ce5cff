/** log softmax over an axis (default the last): x − logsumexp(x), stable for any finite x. */
import type { Node } from "@gated/graph";
import { logsumexp } from "./logsumexp.js";
import { type Axis, checkAxis, unreduce } from "./sum.js";

export function logSoftmax(x: Node, axis: Axis = -1): Node {
  const k = checkAxis(x, axis, "logSoftmax");
  return x.sub(unreduce(logsumexp(x, k), x.shape, k));
}
