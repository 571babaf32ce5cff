/**
 * Random recurrences from the op set: a random DAG over x, the states and parameters (matrix
 * products, elementwise ops, reductions, concatenation), squashed into bounded next states.
 * Compiled forward and backward equal the reference kernel (float64, relative 1e-12) with
 * masked lengths; float32 stays within 1e-4. FC_RUNS=n raises the number of cells.
 */
import { fc, test } from "@fast-check/vitest";
import type { Recurrence } from "@gated/codegen";
import { input, type Node, param } from "@gated/graph";
import {
  add,
  concat,
  exp,
  matvec,
  maximum,
  mean,
  mul,
  neg,
  relu,
  sigmoid,
  slice,
  softplus,
  square,
  sub,
  sum,
  tanh,
} from "@gated/ops";
import { describe } from "vitest";
import { BACKENDS, compareWithReference } from "./codegenCompare.js";

const RUNS = Number(process.env["FC_RUNS"] ?? 25);

/** Builds a cell from choices: each step applies one op to nodes drawn from the pool. */
export function randomCell(choices: readonly number[], twoStates: boolean): Recurrence {
  let c = 0;
  const pick = (n: number) => (choices[c++ % choices.length]! + c) % n;
  const x = input("x", ["I"]);
  const h = input("h", ["H"]);
  const s = input("s", ["H"]);
  const ps: Node[] = [];
  const p = (shape: (string | number)[]) => {
    const q = param(`p${ps.length}`, shape);
    ps.push(q);
    return q;
  };
  const pool: Node[] = [matvec(p(["H", "I"]), x), matvec(p(["H", "H"]), h), h, p(["H"])];
  if (twoStates) pool.push(s);
  const any = () => pool[pick(pool.length)]!;
  const bounded = (n: Node) => tanh(n);
  const ops: (() => Node)[] = [
    () => add(any(), any()),
    () => sub(any(), any()),
    () => mul(bounded(any()), any()),
    () => sigmoid(any()),
    () => tanh(any()),
    () => neg(any()),
    () => square(bounded(any())),
    () => exp(bounded(any())),
    () => softplus(any()),
    () => relu(any()),
    () => maximum(any(), any()),
    () => matvec(p(["H", "H"]), bounded(any())),
    () => any().add(sum(bounded(any()))),
    () => any().mul(mean(bounded(any()))),
    () => matvec(p(["H", "2*H"]), concat([bounded(any()), any()])),
    () => slice(concat([any(), any()]), 0, "H", "2*H").mul(p(["H"])),
  ];
  const steps = 2 + pick(6);
  for (let i = 0; i < steps; i++) pool.push(ops[pick(ops.length)]!());
  const hNext = tanh(pool[pool.length - 1]!);
  const state = [{ name: "h", node: h, next: hNext }];
  if (twoStates)
    state.push({ name: "s", node: s, next: sigmoid(any()).mul(s).add(tanh(any()).mul(0.5)) });
  // only the parameters the cell reaches
  const reach = new Set<Node>();
  const stack = state.map((q) => q.next);
  while (stack.length) {
    const n = stack.pop()!;
    if (reach.has(n)) continue;
    reach.add(n);
    stack.push(...n.inputs);
  }
  return {
    name: `random${choices.join("_")}`.slice(0, 40),
    x,
    state,
    output: hNext,
    params: ps.filter((q) => reach.has(q)),
  };
}

const cellArb = fc.record({
  choices: fc.array(fc.nat({ max: 1000 }), { minLength: 3, maxLength: 30 }),
  two: fc.boolean(),
});

describe.each(BACKENDS)("%s backend", (backend) => {
  test.prop([cellArb], { numRuns: RUNS, seed: 20261127 })(
    "random cell: compiled = reference (float64, masked)",
    ({ choices, two }) => {
      compareWithReference(randomCell(choices, two), {
        backend,
        I: 3,
        H: 2,
        T: 4,
        B: 3,
        lengths: [4, 0, 2],
      });
    },
  );

  test.prop([cellArb], { numRuns: Math.ceil(RUNS / 3), seed: 77 })(
    "random cell: float32 within 1e-4 of the float64 reference",
    ({ choices, two }) => {
      compareWithReference(randomCell(choices, two), {
        backend,
        I: 2,
        H: 3,
        T: 3,
        B: 2,
        dtype: "float32",
      });
    },
  );
});
