/**
 * Matrix-vector product, the cell's `U x` and `W h`. A [M,N] · v [N] -> [M].
 * ∂ = (g ⊗ v, Aᵀ g).
 */
import { apply, defineOp, formatShape, type Node, type Op } from "@gated/graph";
import { add } from "./add.js";
import { outer } from "./outer.js";
import { transpose } from "./transpose.js";

export const matvec: Op & ((a: Node, v: Node) => Node) = defineOp(
  {
    name: "matvec",
    kind: "matvec",
    arity: 2,
    shape: ([a, v]) => {
      if (a!.length !== 2 || v!.length !== 1 || a![1] !== v![0]) {
        throw new Error(
          `expected A [M,N] and v [N], got ${formatShape(a!)} and ${formatShape(v!)}`,
        );
      }
      return [a![0]!];
    },
    evaluate: ([a, v], _attrs, [m]) => {
      const n = v!.shape[0]!;
      const out = new Float64Array(m!);
      for (let i = 0; i < m!; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += a!.data[i * n + j]! * v!.data[j]!;
        out[i] = s;
      }
      return out;
    },
    vjp: ({ x: [a, v], g }) => [outer(g, v!), matvec(transpose(a!), g)],
    jvp: ({ x: [a, v], dx: [da, dv] }) => {
      const t0 = da ? matvec(da, v!) : null;
      const t1 = dv ? matvec(a!, dv) : null;
      return t0 && t1 ? add(t0, t1) : (t0 ?? t1);
    },
    domain: { min: -2, max: 2 },
    notation: { text: ([a, v]) => `${a} ${v}`, latex: ([a, v]) => `${a} ${v}`, prec: 25 },
  },
  (op) => (a: Node, v: Node) => apply(op, [a, v], {}),
);
