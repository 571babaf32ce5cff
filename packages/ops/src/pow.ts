/** Power with a constant exponent. (xᵖ)′ = p·xᵖ⁻¹. Non-integer p needs x > 0. */
import { apply, constant, defineOp, type Node, type Op, S } from "@gated/graph";
import { evaluateScalar } from "./families.js";
import { mul } from "./mul.js";
import { square } from "./square.js";

export const pow: Op & ((x: Node | number, p: number) => Node) = defineOp(
  {
    name: "pow",
    kind: "elementwise",
    arity: 1,
    shape: ([x]) => x!,
    evaluate: (xs, attrs, outShape) => evaluateScalar(pow.scalar!, xs, attrs, outShape),
    scalar: ([x], { p }) => S.pow(x!, p as number),
    vjp: ({ x: [x], g, attrs: { p } }) => [mul(g, mul(pow(x!, (p as number) - 1), p as number))],
    jvp: ({ x: [x], dx: [d], attrs: { p } }) =>
      mul(d!, mul(pow(x!, (p as number) - 1), p as number)),
    domain: { min: 0.3, max: 3 },
    notation: {
      text: ([x], a) => `${x}^${a["p"]}`,
      latex: ([x], a) => `{${x}}^{${a["p"]}}`,
      prec: 40,
    },
  },
  (op) =>
    (x: Node | number, p: number): Node => {
      if (typeof p !== "number" || !Number.isFinite(p))
        throw new Error(`pow: exponent must be a finite number, got ${p}`);
      const xn = typeof x === "number" ? constant(x) : x;
      if (p === 1) return xn;
      if (p === 2) return square(xn);
      return apply(op, [xn], { p });
    },
);
