/**
 * Maximum over one axis (or "all"). ∂ = g spread evenly over the positions that attain the
 * maximum: g·[x = max] / #[x = max], so ties (a broadcast copy) still sum to g.
 */
import {
  apply,
  constant,
  constValue,
  defineOp,
  type Node,
  type Op,
  S,
  scalarFunction,
} from "@gated/graph";
import { div } from "./div.js";
import { equal } from "./equal.js";
import { reduceAxis } from "./families.js";
import { mul } from "./mul.js";
import { type Axis, checkAxis, sum, unreduce } from "./sum.js";

/** The mask of maxima and their count per reduced position. */
function argmaxMask(x: Node, out: Node, axis: Axis): { mask: Node; count: Node } {
  const mask = equal(x, unreduce(out, x.shape, axis));
  return { mask, count: sum(mask, axis) };
}

export const reduceMax: Op & ((x: Node, axis?: Axis) => Node) = defineOp(
  {
    name: "reduceMax",
    kind: "reduce",
    arity: 1,
    shape: ([x], { axis }) => (axis === "all" ? [] : x!.filter((_, k) => k !== axis)),
    evaluate: ([x], { axis }, outShape) => {
      if (x!.data.length === 0) throw new Error("max of an empty tensor");
      // through the facet's formula, so NaN and ±0 are what every backend computes
      const f = scalarFunction(reduceMax.reduce!.combine);
      return reduceAxis(x!, axis as Axis, outShape, -Infinity, (a, b) => f(a, b, 0));
    },
    vjp: ({ x: [x], out, g, attrs }) => {
      const axis = attrs["axis"] as Axis;
      const { mask, count } = argmaxMask(x!, out, axis);
      return [mul(unreduce(div(g, count), x!.shape, axis), mask)];
    },
    jvp: ({ x: [x], out, dx: [d], attrs }) => {
      const axis = attrs["axis"] as Axis;
      const { mask, count } = argmaxMask(x!, out, axis);
      return div(sum(mul(d!, mask), axis), count);
    },
    // max(acc, x): NaN propagates, max(−0, 0) = 0
    reduce: { init: -Infinity, combine: S.max(S.arg(0), S.arg(1)) },
    domain: { min: -3, max: 3 },
    notation: {
      text: ([x], a) => (a["axis"] === "all" ? `max(${x})` : `max_${a["axis"]}(${x})`),
      latex: ([x]) => `\\max\\left(${x}\\right)`,
      prec: 100,
    },
  },
  (op) =>
    (x: Node, axis: Axis = "all"): Node => {
      const k = checkAxis(x, axis, "reduceMax");
      const c = constValue(x);
      const node = apply(op, [x], { axis: k });
      return c !== undefined ? constant(c, node.shape) : node;
    },
);
