/**
 * Reshape without moving data (row-major). Symbolic dims must match as a multiset, numeric
 * dims by product: [H,1] <-> [H], [2,H] <-> [H,2] is rejected (the layout would differ).
 */
import {
  apply,
  constant,
  constValue,
  defineOp,
  formatShape,
  type Node,
  type Op,
  type Shape,
  sameShape,
} from "@gated/graph";

function compatible(a: Shape, b: Shape): boolean {
  const sym = (s: Shape) => s.filter((d) => typeof d === "string").join(",");
  const num = (s: Shape) => s.reduce<number>((p, d) => (typeof d === "number" ? p * d : p), 1);
  // symbolic dims keep their order, so data does not move for any binding of the sizes
  return sym(a) === sym(b) && num(a) === num(b) && (num(a) === 1 || sym(a) === "");
}

export const reshape: Op & ((x: Node, shape: Shape) => Node) = defineOp(
  {
    name: "reshape",
    kind: "reshape",
    arity: 1,
    shape: ([x], { shape }) => {
      const to = shape as Shape;
      if (!compatible(x!, to))
        throw new Error(`cannot reshape ${formatShape(x!)} to ${formatShape(to)}`);
      return to;
    },
    evaluate: ([x]) => Float64Array.from(x!.data),
    vjp: ({ x: [x], g }) => [reshape(g, x!.shape)],
    jvp: ({ dx: [d], out }) => reshape(d!, out.shape),
    domain: { min: -3, max: 3 },
    notation: {
      text: ([x], a) => `reshape(${x}, [${(a["shape"] as Shape).join(",")}])`,
      latex: ([x]) => x,
      prec: 100,
    },
  },
  (op) =>
    (x: Node, shape: Shape): Node => {
      if (sameShape(x.shape, shape)) return x;
      if (x.op === op) return reshape(x.inputs[0]!, shape);
      const c = constValue(x);
      if (c !== undefined) {
        apply(op, [x], { shape: [...shape] });
        return constant(c, shape);
      }
      return apply(op, [x], { shape: [...shape] });
    },
);
