/**
 * Sum `x` back to `shape` over the axes broadcasting added (leading) or stretched (from 1).
 * A composite of `sum` and `reshape`; autodiff uses it to un-broadcast cotangents.
 */
import { formatShape, type Node, type Shape } from "@gated/graph";
import { reshape } from "./reshape.js";
import { sum } from "./sum.js";

export function sumTo(x: Node, shape: Shape): Node {
  let y = x;
  const lead = y.shape.length - shape.length;
  if (lead < 0)
    throw new Error(
      `sumTo: cannot sum ${formatShape(x.shape)} to the larger ${formatShape(shape)}`,
    );
  for (let k = 0; k < lead; k++) y = sum(y, 0);
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k] === 1 && y.shape[k] !== 1)
      y = reshape(sum(y, k), y.shape.slice(0, k).concat([1], y.shape.slice(k + 1)));
    else if (shape[k] !== y.shape[k])
      throw new Error(`sumTo: cannot sum ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  return y;
}
