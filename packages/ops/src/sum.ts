/**
 * Sum over one axis (`axis: k`, the axis is removed) or over all axes (`axis: "all"`, a
 * scalar). ∂ = g broadcast back over the summed axis.
 */
import {
  apply,
  constant,
  constValue,
  defineOp,
  describe,
  formatShape,
  Node,
  type Op,
  S,
  type Shape,
  scalarFunction,
} from "@gated/graph";
import { broadcastTo } from "./broadcastTo.js";
import { reduceAxis } from "./families.js";
import { reshape } from "./reshape.js";

export type Axis = number | "all";

/**
 * Normalises a possibly negative axis; errors name the shape, and the expression when given
 * (`checkAxis(x, 2, "sum")` says `sum(x : [H]): axis 2 out of range for shape [H]`).
 */
export function checkAxis(x: Shape | Node, axis: Axis, opName?: string): Axis {
  const shape = x instanceof Node ? x.shape : x;
  if (axis === "all") return axis;
  const k = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(k) || k < 0 || k >= shape.length) {
    const where =
      opName && x instanceof Node ? `${opName}(${describe(x)} : ${formatShape(shape)}): ` : "";
    throw new Error(`${where}axis ${axis} out of range for shape ${formatShape(shape)}`);
  }
  return k;
}

/** `g`, the result of reducing `x` over `axis`, broadcast back to the shape of `x`. */
export function unreduce(g: Node, xShape: Shape, axis: Axis): Node {
  if (axis === "all") return broadcastTo(g, xShape);
  const kept = [...xShape.slice(0, axis), 1, ...xShape.slice(axis + 1)];
  return broadcastTo(reshape(g, kept), xShape);
}

export const sum: Op & ((x: Node, axis?: Axis) => Node) = defineOp(
  {
    name: "sum",
    kind: "reduce",
    arity: 1,
    shape: ([x], { axis }) => (axis === "all" ? [] : x!.filter((_, k) => k !== axis)),
    evaluate: ([x], { axis }, outShape) => {
      const f = scalarFunction(sum.reduce!.combine);
      return reduceAxis(x!, axis as Axis, outShape, 0, (a, b) => f(a, b, 0));
    },
    vjp: ({ x: [x], g, attrs }) => [unreduce(g, x!.shape, attrs["axis"] as Axis)],
    jvp: ({ dx: [d], attrs }) => sum(d!, attrs["axis"] as Axis),
    reduce: { init: 0, combine: S.add(S.arg(0), S.arg(1)) },
    domain: { min: -3, max: 3 },
    rules: () => [],
    notation: {
      text: ([x], a) => (a["axis"] === "all" ? `Σ(${x})` : `Σ_${a["axis"]}(${x})`),
      latex: ([x]) => `\\sum\\left(${x}\\right)`,
      prec: 100,
    },
  },
  (op) =>
    (x: Node, axis: Axis = "all"): Node => {
      const k = checkAxis(x, axis, "sum");
      // the sum of a filled constant is a filled constant when the count is known
      const c = constValue(x);
      const counted = k === "all" ? x.shape : [x.shape[k]!];
      if (c !== undefined && counted.every((d) => typeof d === "number")) {
        const n = (counted as number[]).reduce((a, b) => a * b, 1);
        return constant(c * n, k === "all" ? [] : x.shape.filter((_, j) => j !== k));
      }
      return apply(op, [x], { axis: k });
    },
);

/** Mean over an axis: Σx / n, where n is the sum of ones, so symbolic sizes stay symbolic. */
export function mean(x: Node, axis: Axis = "all"): Node {
  const k = checkAxis(x, axis, "mean");
  const n = sum(constant(1, x.shape), k);
  return sum(x, k).div(n);
}
