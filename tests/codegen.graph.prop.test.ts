/**
 * compileGraph on random graphs over the whole op set (tests/arbitraries.ts): the compiled
 * forward and backward over a batch of rows equal the interpreter on each row (float64, relative
 * 1e-12), and float32 stays within 1e-4 of it. FC_RUNS=n raises the number of graphs.
 */
import { test } from "@fast-check/vitest";
import { type BackendName, compileGraph } from "@gated/codegen";
import { evaluate, input, type Node, vjp } from "@gated/graph";
import { describe, expect } from "vitest";
import { type GraphCase, graphArb } from "./arbitraries.js";
import { BACKENDS, maxRel, rand } from "./codegenCompare.js";

const RUNS = Number(process.env["FC_RUNS"] ?? 40);
const ROWS = 3;

function check(
  g: GraphCase,
  dtype: "float64" | "float32",
  tol: number,
  backend: BackendName,
): void {
  const inputs = g.leaves.filter((l) => l.op.name === "input");
  const params = g.leaves.filter((l) => l.op.name === "param");
  const outs = Object.fromEntries(g.outputs.map((o, k) => [`y${k}`, o]));
  const k = compileGraph(
    {
      name: "random",
      inputs: Object.fromEntries(inputs.map((i) => [i.label!, i])),
      outputs: outs,
      params,
    },
    { sizes: g.sizes, dtype, backend },
  );
  const p = k.params();
  for (const q of params) p.get(q.label!).set(g.bindings[q.label!]!);
  // rows: the case's bindings, then the same values slightly moved (each input keeps its domain)
  const rowVals = (l: Node, r: number) => g.bindings[l.label!]!.map((v) => v * (1 + 0.01 * r));
  const xs = Object.fromEntries(
    inputs.map((i) => [
      i.label!,
      Float64Array.from(Array.from({ length: ROWS }, (_, r) => Array.from(rowVals(i, r))).flat()),
    ]),
  );
  const run = k.forward(p, xs, { rows: ROWS });
  const cot = g.outputs.map((_, j) => rand(ROWS * k.outputSizes[`y${j}`]!, g.seed + j));
  const grads = k.backward(run, Object.fromEntries(g.outputs.map((_, j) => [`y${j}`, cot[j]!])));
  // the interpreter, row by row
  const seeds = g.outputs.map((o, j) => input(`u__${j}`, o.shape));
  const vj = vjp(g.outputs, seeds, [...inputs, ...params]);
  const refP = params.map((q) => new Float64Array(g.bindings[q.label!]!.length));
  for (let r = 0; r < ROWS; r++) {
    const b: Record<string, ArrayLike<number>> = { ...g.bindings };
    for (const i of inputs) b[i.label!] = rowVals(i, r);
    const y = evaluate(g.outputs, b, g.sizes);
    y.forEach((v, j) => {
      const w = v.length;
      expect(
        maxRel(run.outputs[`y${j}`]!.subarray(r * w, (r + 1) * w), v),
        `y${j} row ${r}`,
      ).toBeLessThanOrEqual(tol);
      b[`u__${j}`] = cot[j]!.subarray(r * w, (r + 1) * w);
    });
    const d = evaluate(vj, b, g.sizes);
    inputs.forEach((i, n) => {
      const w = d[n]!.length;
      expect(
        maxRel(grads.inputs[i.label!]!.subarray(r * w, (r + 1) * w), d[n]!),
        `∂${i.label} row ${r}`,
      ).toBeLessThanOrEqual(tol);
    });
    params.forEach((_, n) => d[inputs.length + n]!.forEach((v, e) => (refP[n]![e]! += v)));
  }
  params.forEach((q, n) =>
    expect(maxRel(grads.params.get(q.label!), refP[n]!), `∂${q.label}`).toBeLessThanOrEqual(tol),
  );
}

describe.each(BACKENDS)("%s backend", (backend) => {
  test.prop([graphArb()], { numRuns: RUNS, seed: 20261127 })(
    "compiled graph = interpreter, forward and backward (float64)",
    (g) => {
      check(g, "float64", 1e-12, backend);
    },
  );

  test.prop([graphArb()], { numRuns: Math.ceil(RUNS / 4), seed: 4242 })(
    "float32 within 1e-4 of the float64 interpreter",
    (g) => {
      check(g, "float32", 1e-4, backend);
    },
  );
});
