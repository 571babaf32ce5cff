/** Broadcast to a larger shape (numpy rules). ∂ = g summed back to the input's shape. */
import {
  apply,
  broadcastIndex,
  broadcastShapes,
  constant,
  constValue,
  defineOp,
  formatShape,
  type Node,
  type Op,
  P,
  rule,
  type Shape,
  sameShape,
  X,
} from "@gated/graph";
import { sumTo } from "./sumTo.js";

export const broadcastTo: Op & ((x: Node, shape: Shape) => Node) = defineOp(
  {
    name: "broadcastTo",
    kind: "broadcast",
    arity: 1,
    shape: ([x], { shape }) => {
      const to = shape as Shape;
      if (!sameShape(broadcastShapes(x!, to), to))
        throw new Error(`cannot broadcast ${formatShape(x!)} to ${formatShape(to)}`);
      return to;
    },
    evaluate: ([x], _attrs, outShape) => {
      const idx = broadcastIndex(x!.shape, outShape);
      return Float64Array.from(idx, (i) => x!.data[i]!);
    },
    vjp: ({ x: [x], g }) => [sumTo(g, x!.shape)],
    jvp: ({ dx: [d], out }) => broadcastTo(d!, out.shape),
    domain: { min: -3, max: 3 },
    rules: () => [
      rule(
        "broadcastTo(broadcastTo(x)) -> broadcastTo(x)",
        P.op(broadcastTo, P.op(broadcastTo, X)),
        ({ x }) => x,
      ),
    ],
    notation: {
      text: ([x], a) => `broadcast(${x}, [${(a["shape"] as Shape).join(",")}])`,
      latex: ([x]) => x,
      prec: 100,
    },
  },
  (op) =>
    (x: Node, shape: Shape): Node => {
      if (sameShape(x.shape, shape)) return x;
      const c = constValue(x);
      if (c !== undefined) {
        apply(op, [x], { shape: [...shape] }); // validates the shapes
        return constant(c, shape);
      }
      return apply(op, [x], { shape: [...shape] });
    },
);
