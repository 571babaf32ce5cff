/**
 * Outer product, what `∂(A v)/∂A` is made of. x [M] ⊗ y [N] -> [M,N]; ∂ = (g y, gᵀ x).
 * Codegen recognises it to defer parameter gradients into one product after the sweep.
 */
import { apply, defineOp, formatShape, type Node, type Op } from "@gated/graph";
import { add } from "./add.js";
import { matvec } from "./matvec.js";
import { transpose } from "./transpose.js";

export const outer: Op & ((x: Node, y: Node) => Node) = defineOp(
  {
    name: "outer",
    kind: "outer",
    arity: 2,
    shape: ([x, y]) => {
      if (x!.length !== 1 || y!.length !== 1)
        throw new Error(`expected two vectors, got ${formatShape(x!)} and ${formatShape(y!)}`);
      return [x![0]!, y![0]!];
    },
    evaluate: ([x, y], _attrs, [m, n]) => {
      const out = new Float64Array(m! * n!);
      for (let i = 0; i < m!; i++)
        for (let j = 0; j < n!; j++) out[i * n! + j] = x!.data[i]! * y!.data[j]!;
      return out;
    },
    vjp: ({ x: [x, y], g }) => [matvec(g, y!), matvec(transpose(g), x!)],
    jvp: ({ x: [x, y], dx: [dx, dy] }) => {
      const t0: Node | null = dx ? outer(dx, y!) : null;
      const t1 = dy ? outer(x!, dy) : null;
      return t0 && t1 ? add(t0, t1) : (t0 ?? t1);
    },
    domain: { min: -2, max: 2 },
    notation: {
      text: ([x, y]) => `${x} ⊗ ${y}`,
      latex: ([x, y]) => `${x} {${y}}^{\\top}`,
      prec: 25,
    },
  },
  (op) => (x: Node, y: Node) => apply(op, [x, y], {}),
);
