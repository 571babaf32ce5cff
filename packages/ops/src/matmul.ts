/** Matrix product. A [M,K] · B [K,N] -> [M,N]; ∂ = (g Bᵀ, Aᵀ g). */
import { apply, defineOp, formatShape, type Node, type Op } from "@gated/graph";
import { add } from "./add.js";
import { transpose } from "./transpose.js";

export const matmul: Op & ((a: Node, b: Node) => Node) = defineOp(
  {
    name: "matmul",
    kind: "matmul",
    arity: 2,
    shape: ([a, b]) => {
      if (a!.length !== 2 || b!.length !== 2 || a![1] !== b![0]) {
        throw new Error(
          `expected A [M,K] and B [K,N], got ${formatShape(a!)} and ${formatShape(b!)}`,
        );
      }
      return [a![0]!, b![1]!];
    },
    evaluate: ([a, b], _attrs, [m, n]) => {
      const k = a!.shape[1]!;
      const out = new Float64Array(m! * n!);
      for (let i = 0; i < m!; i++)
        for (let j = 0; j < n!; j++) {
          let s = 0;
          for (let l = 0; l < k; l++) s += a!.data[i * k + l]! * b!.data[l * n! + j]!;
          out[i * n! + j] = s;
        }
      return out;
    },
    vjp: ({ x: [a, b], g }) => [matmul(g, transpose(b!)), matmul(transpose(a!), g)],
    jvp: ({ x: [a, b], dx: [da, db] }) => {
      const t0 = da ? matmul(da, b!) : null;
      const t1 = db ? matmul(a!, db) : null;
      return t0 && t1 ? add(t0, t1) : (t0 ?? t1);
    },
    domain: { min: -2, max: 2 },
    notation: { text: ([a, b]) => `${a} @ ${b}`, latex: ([a, b]) => `${a} ${b}`, prec: 25 },
  },
  (op) => (a: Node, b: Node) => apply(op, [a, b], {}),
);
