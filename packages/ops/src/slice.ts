/**
 * A contiguous range along one axis: slice(x, axis, start, end) keeps start ≤ i < end. start
 * and end may be symbolic (linear forms: "H", "2*H"), as the vjp of concat needs. ∂ = g
 * padded back with zeros.
 */
import {
  addDims,
  apply,
  constant,
  constValue,
  type Dim,
  defineOp,
  formatShape,
  type Node,
  type Op,
  parseDim,
  type Rule,
  resolveDim,
  sizeOf,
  subDims,
  zeros,
} from "@gated/graph";
import { concat, offsets } from "./concat.js";

export const slice: Op & ((x: Node, axis: number, start: Dim, end: Dim) => Node) = defineOp(
  {
    name: "slice",
    kind: "slice",
    arity: 1,
    shape: ([x], { axis, start, end }) => {
      const k = axis as number;
      if (!Number.isInteger(k) || k < 0 || k >= x!.length)
        throw new Error(`axis ${k} out of range for shape ${formatShape(x!)}`);
      const len = subDims(end as Dim, start as Dim);
      const rest = subDims(x![k]!, end as Dim);
      if ((typeof start === "number" && start < 0) || negative(len) || negative(rest)) {
        throw new Error(`range ${start}:${end} does not fit in dim ${x![k]} of ${formatShape(x!)}`);
      }
      return x!.map((d, j) => (j === k ? len : d));
    },
    evaluate: ([x], { axis, start }, outShape, sizes) => {
      const k = axis as number;
      const s = resolveDim(start as Dim, sizes ?? {}, "slice start");
      const n = x!.shape[k]!;
      const len = outShape[k]!;
      if (s < 0 || s + len > n) throw new Error(`range ${s}:${s + len} does not fit in dim ${n}`);
      const inner = sizeOf(outShape.slice(k + 1));
      const outer = sizeOf(outShape.slice(0, k));
      const out = new Float64Array(sizeOf(outShape));
      for (let o = 0; o < outer; o++) {
        const from = (o * n + s) * inner;
        out.set(x!.data.subarray(from, from + len * inner), o * len * inner);
      }
      return out;
    },
    vjp: ({ x: [x], g, attrs: { axis, start, end } }) => {
      const k = axis as number;
      const pad = (d: Dim) => zeros(x!.shape.map((e, j) => (j === k ? d : e)));
      return [concat([pad(start as Dim), g, pad(subDims(x!.shape[k]!, end as Dim))], k)];
    },
    jvp: ({ dx: [d], attrs: { axis, start, end } }) =>
      slice(d!, axis as number, start as Dim, end as Dim),
    domain: { min: -3, max: 3 },
    rules: () => [ofConcat, ofSlice],
    notation: {
      text: ([x], a) => `${x}[${a["axis"]}: ${a["start"]}..${a["end"]}]`,
      latex: ([x], a) => `{${x}}_{${a["start"]}:${a["end"]}}`,
      // postfix, like a transpose: a compound operand is parenthesized
      prec: 90,
    },
  },
  (op) =>
    (x: Node, axis: number, start: Dim, end: Dim): Node => {
      const k = axis < 0 ? axis + x.rank : axis;
      // canonical linear forms, so equal ranges intern to one node
      const [s, e] = [addDims(start, 0), addDims(end, 0)];
      const node = () => apply(op, [x], { axis: k, start: s, end: e });
      if (s === 0 && e === x.shape[k]) return x;
      const c = constValue(x);
      if (c !== undefined) return constant(c, node().shape);
      return node();
    },
);

/** Negative for every binding of the sizes (sizes are ≥ 0): "−1", "−H−1". */
function negative(d: Dim): boolean {
  const l = parseDim(d);
  return !!l && l.c < 0 && Object.values(l.terms).every((k) => k <= 0);
}

/** A slice inside one piece of a concat is a slice of that piece. */
const ofConcat: Rule = {
  doc: "concat(…, x, …)[range inside x] -> x[range]",
  apply: (n) => {
    const c = n.inputs[0]!;
    const k = n.attrs["axis"] as number;
    if (c.op !== concat || c.attrs["axis"] !== k) return null;
    const { starts } = offsets(
      c.inputs.map((p) => p.shape),
      k,
    );
    for (let i = 0; i < c.inputs.length; i++) {
      const p = c.inputs[i]!;
      const s = subDims(n.attrs["start"] as Dim, starts[i]!);
      const e = subDims(n.attrs["end"] as Dim, starts[i]!);
      const room = subDims(p.shape[k]!, e);
      if (typeof s === "number" && s >= 0 && typeof room === "number" && room >= 0)
        return slice(p, k, s, e);
    }
    return null;
  },
};

/** x[a:b][c:d] -> x[a+c : a+d]. */
const ofSlice: Rule = {
  doc: "x[a:b][c:d] -> x[a+c:a+d]",
  apply: (n) => {
    const inner = n.inputs[0]!;
    const k = n.attrs["axis"] as number;
    if (inner.op !== slice || inner.attrs["axis"] !== k) return null;
    const a = inner.attrs["start"] as Dim;
    return slice(
      inner.inputs[0]!,
      k,
      addDims(a, n.attrs["start"] as Dim),
      addDims(a, n.attrs["end"] as Dim),
    );
  },
};
