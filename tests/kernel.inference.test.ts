/**
 * The inference sweep (`schedule.infer`, lower/forward.ts) against the taped forward: on every
 * catalogue cell, every backend, float32 and float64, with masked lengths and initial states,
 * `forward(…, { tape: false })` and a stream of `step()` calls give the taped forward's outputs
 * and final states bit for bit (the same operations in the same order, without the residual
 * stores). The emitted module's runtime takes the same path.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CompiledKernel, compileCell, type DType, emitModule } from "@gated/codegen";
import { CATALOGUE, CATALOGUE_NAMES } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, rand } from "./codegenCompare.js";

const T = 7,
  B = 3;
const lengths = [7, 3, 0];

function kernelOf(name: string, backend: string, dtype: DType): CompiledKernel {
  const cell = CATALOGUE[name as keyof typeof CATALOGUE]();
  const I = cell.x.shape[0] === "H" ? 4 : 3;
  return compileCell(cell, {
    inputSize: I,
    hiddenSize: 4,
    sizes: { G: 2 },
    dtype,
    backend: backend as never,
  });
}

function data(k: CompiledKernel, seed: number) {
  const p = k.initParams({ seed });
  const x = rand(T * B * k.inputSize, seed + 1);
  const initial = Object.fromEntries(
    Object.entries(k.stateSizes).map(([n, w], i) => [n, rand(B * w, seed + 10 + i)]),
  );
  return { p, x, initial };
}

const CASES = CATALOGUE_NAMES.flatMap((name) =>
  BACKENDS.flatMap((backend) =>
    (["float32", "float64"] as const).map((dtype) => [name, backend, dtype] as const),
  ),
);

describe("inference sweep = taped forward, bitwise", () => {
  test.each(CASES)("%s · %s · %s", (name, backend, dtype) => {
    const k = kernelOf(name, backend, dtype);
    // no tape and no state history: nothing is kept over the rows but inputs, outputs and
    // what a later phase reads
    for (const b of k.schedule.infer.buffers) {
      expect(b.role, b.name).not.toBe("tape");
      expect(b.rows, b.name).not.toBe("T1B");
    }
    expect(k.source).toContain("function infer_kernel(");
    const { p, x, initial } = data(k, 3);
    const opts = { batch: B, initial, lengths };
    const taped = k.forward(p, x, opts);
    const inf = k.forward(p, x, { ...opts, tape: false });
    expect(inf.output).toEqual(taped.output);
    expect(inf.final).toEqual(taped.final);
    // streaming: T calls of step() from the same initial state, full lengths
    const full = k.forward(p, x, { batch: B, initial });
    const st = k.initialState(p, { batch: B });
    for (const [n, v] of Object.entries(initial)) st.values[n]!.set(v);
    const O = k.outputSize;
    const I = k.inputSize;
    for (let t = 0; t < T; t++) {
      const y = k.step(st, x.subarray(t * B * I, (t + 1) * B * I));
      expect(y).toEqual(full.output.subarray(t * B * O, (t + 1) * B * O));
    }
    for (const [n, v] of Object.entries(full.final))
      expect(Array.from(st.values[n]!, (u) => (dtype === "float32" ? Math.fround(u) : u))).toEqual(
        Array.from(v),
      );
  });
});

describe.each(BACKENDS)("%s: the emitted module's inference", (backend) => {
  test("forward with tape: false and step() in a child process equal the taped forward", () => {
    const k = kernelOf("lstm", backend, "float32");
    const { p, x, initial } = data(k, 5);
    const taped = k.forward(p, x, { batch: B, initial, lengths });
    const full = k.forward(p, x, { batch: B, initial });
    const dir = mkdtempSync(join(tmpdir(), "gated-infer-"));
    const mod = join(dir, "kernel.mjs");
    writeFileSync(mod, emitModule(k));
    const script = `
      import * as k from ${JSON.stringify(`file://${mod}`)};
      import { readFileSync } from "node:fs";
      const d = JSON.parse(readFileSync(0, "utf8"));
      const p = k.params(d.params);
      const run = k.forward(p, d.x, { batch: ${B}, initial: d.initial, lengths: ${JSON.stringify(lengths)}, tape: false });
      const st = k.initialState(p, { batch: ${B} });
      for (const [n, v] of Object.entries(d.initial)) st.values[n].set(v);
      const ys = [];
      for (let t = 0; t < ${T}; t++) ys.push(...k.step(st, d.x.slice(t * ${B * k.inputSize}, (t + 1) * ${B * k.inputSize})));
      process.stdout.write(JSON.stringify({ output: Array.from(run.output), h: Array.from(run.final.h), ys }));`;
    const out = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], {
        input: JSON.stringify({
          params: Array.from(p.data),
          x: Array.from(x),
          initial: Object.fromEntries(Object.entries(initial).map(([n, v]) => [n, Array.from(v)])),
        }),
        encoding: "utf8",
      }),
    ) as { output: number[]; h: number[]; ys: number[] };
    expect(out.output).toEqual(Array.from(taped.output));
    expect(out.h).toEqual(Array.from(taped.final["h"]!));
    expect(out.ys).toEqual(Array.from(full.output));
  });
});
