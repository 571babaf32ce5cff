import * as ops from "@gated/ops";
import { describe, expect, test } from "vitest";
import * as gated from "../src/index.js";
import { compileCell, defineCell, emitModule, parseCell, sigmoid, tanh } from "../src/index.js";

describe("the one-import entry point", () => {
  test("DESIGN.md's contract example runs through `gated` alone", () => {
    const mgu = defineCell({
      name: "mgu",
      state: { h: "H" },
      step: ({ x, h }, { affine }) => {
        const f = sigmoid(affine("f", x!, h!));
        const n = tanh(affine("n", x!, f.mul(h!)));
        return { h: f.neg().add(1).mul(h!).add(f.mul(n)) };
      },
    });
    const mgu2 = parseCell(`
cell mgu(x[I]; h[H]) {
  f  = sigmoid(U_f x + W_f h + b_f)
  n  = tanh(U_n x + W_n (f * h) + b_n)
  h' = (1 - f) * h + f * n
}`);
    const k = compileCell(mgu, { inputSize: 4, hiddenSize: 5, dtype: "float64" });
    const k2 = compileCell(mgu2, { inputSize: 4, hiddenSize: 5, dtype: "float64" });
    const params = k.initParams({ seed: 0 });
    expect(params.get("W_f")).toHaveLength(25);
    const x = Float64Array.from({ length: 3 * 2 * 4 }, (_, i) => Math.cos(i));
    const run = k.forward(params, x, { batch: 2 });
    const run2 = k2.forward(k2.params(params.data), x, { batch: 2 });
    expect(Array.from(run2.output)).toEqual(Array.from(run.output));
    const g = k.backward(run, { final: { h: new Float64Array(10).fill(1) } });
    expect(g.params.get("W_f")).toHaveLength(25);
    expect(emitModule(k)).toContain("export {");
  });

  test("re-exports every export of @gated/ops, the same objects (a new op needs no edit)", () => {
    const names = Object.keys(ops);
    expect(names).toContain("tanh");
    for (const name of names)
      expect((gated as Record<string, unknown>)[name], name).toBe(
        (ops as Record<string, unknown>)[name],
      );
  });

  test("re-exports each package's public API by name", () => {
    for (const name of [
      "OPS",
      "Node",
      "grad",
      "evaluate",
      "printDot",
      "getCell",
      "CATALOGUE",
      "Model",
      "Trainer",
      "adam",
      "addingProblem",
      "readSafetensors",
      "sequenceModel",
      "emitTypes",
      "referenceKernel",
      "cellLatex",
    ]) {
      expect(gated, name).toHaveProperty(name);
    }
  });
});
