/** Matrix transpose. [M,N] -> [N,M]; ∂ = gᵀ. */
import { apply, defineOp, formatShape, type Node, type Op, P, rule, X } from "@gated/graph";

export const transpose: Op & ((a: Node) => Node) = defineOp(
  {
    name: "transpose",
    kind: "transpose",
    arity: 1,
    shape: ([a]) => {
      if (a!.length !== 2) throw new Error(`expected a matrix, got ${formatShape(a!)}`);
      return [a![1]!, a![0]!];
    },
    evaluate: ([a], _attrs, [n, m]) => {
      const out = new Float64Array(n! * m!);
      for (let i = 0; i < m!; i++)
        for (let j = 0; j < n!; j++) out[j * m! + i] = a!.data[i * n! + j]!;
      return out;
    },
    vjp: ({ g }) => [transpose(g)],
    jvp: ({ dx: [d] }) => transpose(d!),
    domain: { min: -2, max: 2 },
    rules: () => [rule("(xᵀ)ᵀ -> x", P.op(transpose, P.op(transpose, X)), ({ x }) => x)],
    notation: { text: ([a]) => `${a}ᵀ`, latex: ([a]) => `{${a}}^{\\top}`, prec: 90 },
  },
  (op) => (a: Node) => apply(op, [a], {}),
);
