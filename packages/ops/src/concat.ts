/**
 * Concatenation along an axis: concat([x₀, x₁, …], axis). Inputs agree on every other dim;
 * along the axis, symbolic dims add up as linear forms ([H] ++ [H] is ["2*H"], [I] ++ [H] is
 * ["H+I"]). ∂ = g sliced back into the pieces.
 */
import {
  addDims,
  apply,
  constant,
  type Dim,
  defineOp,
  formatShape,
  isLeaf,
  Node,
  type Op,
  type Rule,
  type Shape,
  sizeOf,
  zeros,
} from "@gated/graph";
import { slice } from "./slice.js";

/** The offset of each piece along the axis, and the total. */
export function offsets(shapes: readonly Shape[], axis: number): { starts: Dim[]; total: Dim } {
  const starts: Dim[] = [];
  let total: Dim = 0;
  for (const s of shapes) {
    starts.push(total);
    total = addDims(total, s[axis]!);
  }
  return { starts, total };
}

export const concat: Op &
  ((xs: readonly Node[], axis?: number) => Node) &
  ((...xs: Node[]) => Node) = defineOp(
  {
    name: "concat",
    kind: "concat",
    arity: "variadic",
    shape: (xs, { axis }) => {
      const k = axis as number;
      const first = xs[0]!;
      if (!Number.isInteger(k) || k < 0 || k >= first.length)
        throw new Error(`axis ${k} out of range for rank ${first.length}`);
      xs.forEach((s, i) => {
        const ok = s.length === first.length && s.every((d, j) => j === k || d === first[j]);
        if (!ok)
          throw new Error(
            `input ${i} ${formatShape(s)} does not match ${formatShape(first)} off axis ${k}`,
          );
      });
      return first.map((d, j) => (j === k ? offsets(xs, k).total : d));
    },
    evaluate: (xs, { axis }, outShape) => {
      const k = axis as number;
      const inner = sizeOf(outShape.slice(k + 1));
      const outer = sizeOf(outShape.slice(0, k));
      const out = new Float64Array(sizeOf(outShape));
      let pos = 0;
      for (let o = 0; o < outer; o++)
        for (const x of xs) {
          const block = x.shape[k]! * inner;
          out.set(x.data.subarray(o * block, (o + 1) * block), pos);
          pos += block;
        }
      return out;
    },
    vjp: ({ x, g, attrs: { axis } }) => {
      const k = axis as number;
      const { starts } = offsets(
        x.map((n) => n.shape),
        k,
      );
      return x.map((n, i) => slice(g, k, starts[i]!, addDims(starts[i]!, n.shape[k]!)));
    },
    jvp: ({ x, dx, attrs: { axis } }) =>
      concat(
        x.map((n, i) => dx[i] ?? zeros(n.shape)),
        axis as number,
      ),
    domain: { min: -3, max: 3 },
    rules: () => [mergeSlices, allConstant],
    notation: {
      text: (xs, a) => `concat([${xs.join(", ")}], ${a["axis"]})`,
      latex: (xs) => `\\left[${xs.join("; ")}\\right]`,
      prec: 100,
    },
  },
  (op) =>
    (...args: unknown[]): Node => {
      // concat([x, y], axis) or, like any variadic op, concat(x, y) along axis 0
      const [xs, axis = 0] = Array.isArray(args[0])
        ? (args as [Node[], number?])
        : [args as Node[], 0];
      if (xs.length === 0 || !xs.every((x) => x instanceof Node))
        throw new Error("concat: expected a non-empty array of nodes");
      const k = axis < 0 ? axis + xs[0]!.rank : axis;
      // empty pieces contribute nothing (keep one, so the result has a shape)
      const kept = xs.filter((x) => x.shape[k] !== 0);
      const pieces = kept.length ? kept : [xs[0]!];
      if (pieces.length === 1) {
        apply(op, xs, { axis: k }); // validates
        return pieces[0]!;
      }
      return apply(op, pieces, { axis: k });
    },
);

/** concat(…, x[a:b], x[b:c], …) -> concat(…, x[a:c], …): what slicing's vjp gives back. */
const mergeSlices: Rule = {
  doc: "concat(x[a:b], x[b:c]) -> x[a:c]",
  apply: (n) => {
    const k = n.attrs["axis"] as number;
    const xs = n.inputs;
    for (let i = 0; i + 1 < xs.length; i++) {
      const [p, q] = [xs[i]!, xs[i + 1]!];
      if (p.op !== slice || q.op !== slice || p.inputs[0] !== q.inputs[0]) continue;
      if (p.attrs["axis"] !== k || q.attrs["axis"] !== k || p.attrs["end"] !== q.attrs["start"])
        continue;
      const merged = slice(p.inputs[0]!, k, p.attrs["start"] as Dim, q.attrs["end"] as Dim);
      return concat([...xs.slice(0, i), merged, ...xs.slice(i + 2)], k);
    }
    return null;
  },
};

/** Pieces that are all the same constant are that constant. */
const allConstant: Rule = {
  doc: "concat(c, c, …) -> c",
  apply: (n) => {
    const v = n.inputs[0]!.attrs["value"];
    return n.inputs.every(
      (x) =>
        isLeaf(x) && x.op === n.inputs[0]!.op && x.attrs["value"] === v && typeof v === "number",
    )
      ? constant(v as number, n.shape)
      : null;
  },
};
