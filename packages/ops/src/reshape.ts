/**
 * Reshape without moving data (row-major). Where both shapes have the same symbolic dims, they
 * must come in the same order and the numeric dims agree by product: [H,1] <-> [H], while
 * [2,H] <-> [H,2] is rejected (the layout would differ). Where the symbolic dims differ
 * ([K] <-> [H,H], [H] <-> [3,3]), the sizes can only agree once the dims are bound: the reshape
 * is accepted, and evaluating or compiling it checks that both sides have as many values.
 */
import {
  apply,
  constant,
  constValue,
  defineOp,
  formatShape,
  type Node,
  type Op,
  reshapeMismatch,
  type Shape,
  sameShape,
} from "@gated/graph";

const symbols = (s: Shape) =>
  s
    .filter((d) => typeof d === "string")
    .map(String)
    .sort()
    .join(",");
const numbers = (s: Shape) => s.reduce<number>((p, d) => (typeof d === "number" ? p * d : p), 1);

/** Same symbolic dims, in the same order, and numeric dims of one product. */
function compatible(a: Shape, b: Shape): boolean {
  const sym = (s: Shape) => s.filter((d) => typeof d === "string").join(",");
  // symbolic dims keep their order, so data does not move for any binding of the sizes
  return sym(a) === sym(b) && numbers(a) === numbers(b) && (numbers(a) === 1 || sym(a) === "");
}

/** Shapes whose sizes agree only for some bindings of their dims: checked once bound. */
function deferred(a: Shape, b: Shape): boolean {
  return symbols(a) !== symbols(b);
}

export const reshape: Op & ((x: Node, shape: Shape) => Node) = defineOp(
  {
    name: "reshape",
    kind: "reshape",
    arity: 1,
    shape: ([x], { shape }) => {
      const to = shape as Shape;
      if (!compatible(x!, to) && !deferred(x!, to))
        throw new Error(`cannot reshape ${formatShape(x!)} to ${formatShape(to)}`);
      return to;
    },
    evaluate: ([x], { shape }, outShape) => {
      const msg = reshapeMismatch(x!.shape, shape as Shape, x!.shape, outShape);
      if (msg) throw new Error(msg);
      return Float64Array.from(x!.data);
    },
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
      const attrs = { shape: [...shape] };
      const c = constValue(x);
      if (c !== undefined) {
        apply(op, [x], attrs);
        return constant(c, shape);
      }
      return apply(op, [x], attrs);
    },
);
