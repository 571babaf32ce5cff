/**
 * Select: where(cond, x, y) is x where cond ≠ 0, else y, with broadcasting over all three.
 * cond is a mask (typically a comparison) and gets no cotangent; ∂ = (·, where(cond, g, 0),
 * where(cond, 0, g)).
 */
import {
  apply,
  broadcastShapes,
  defineOp,
  type Node,
  type Op,
  P,
  rule,
  S,
  X,
  Y,
} from "@gated/graph";
import { evaluateScalar } from "./families.js";

export const where: Op & ((cond: Node | number, x: Node | number, y: Node | number) => Node) =
  defineOp(
    {
      name: "where",
      kind: "elementwise",
      arity: 3,
      shape: ([c, x, y]) => broadcastShapes(broadcastShapes(c!, x!), y!),
      evaluate: (xs, attrs, outShape) => evaluateScalar(where.scalar!, xs, attrs, outShape),
      scalar: ([c, x, y]) => S.select(c!, x!, y!),
      vjp: ({ x: [c], g }) => [null, where(c!, g, 0), where(c!, 0, g)],
      jvp: ({ x: [c], dx: [, dx, dy] }) => where(c!, dx ?? 0, dy ?? 0),
      // cond away from 0 for tests; a comparison's 0/1 output is the usual cond
      domain: [
        { min: -3, max: 3, avoid: 0, gap: 0.5 },
        { min: -3, max: 3 },
        { min: -3, max: 3 },
      ],
      rules: () => [
        rule("where(c, x, x) -> x", P.op(where, P.v("c"), X, X), ({ x }) => x),
        rule("where(k, x, y) -> x or y", P.op(where, P.k("k"), X, Y), ({ x, y, $ }) =>
          $["k"] !== 0 ? x : y,
        ),
      ],
      notation: {
        text: ([c, x, y]) => `where(${c}, ${x}, ${y})`,
        latex: ([c, x, y]) =>
          `\\begin{cases} ${x} & \\text{if } ${c} \\\\ ${y} & \\text{otherwise} \\end{cases}`,
        prec: 100,
      },
    },
    (op) => (cond: Node | number, x: Node | number, y: Node | number) =>
      apply(op, [cond, x, y], {}),
  );
