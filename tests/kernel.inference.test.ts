/**
 * The inference sweep (`schedule.infer`, lower/forward.ts) against the taped forward: on every
 * catalogue cell, every backend, float32 and float64, with masked lengths and initial states,
 * `forward(…, { tape: false })` and a stream of `step()` calls give the taped forward's outputs
 * and final states bit for bit (the same operations in the same order, without the residual
 * stores). The emitted module's runtime takes the same path.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CompiledKernel,
  compileCell,
  type DType,
  emitModule,
  referenceKernel,
} from "@gated/codegen";
import { CATALOGUE, CATALOGUE_NAMES } from "@gated/rnn";
import { describe, expect, test } from "vitest";
import { BACKENDS, maxRel, nodeChild, rand } from "./codegenCompare.js";

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
    // no lengths: x (and parameters) in the compute type are read in place, and left as they were
    const x0 = x.slice();
    const inf2 = k.forward(p, x, { batch: B, initial, tape: false });
    expect(inf2.output).toEqual(full.output);
    expect(inf2.final).toEqual(full.final);
    expect(x).toEqual(x0);
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

describe("batch 1: one-row products (wasm: gemv, no packing)", () => {
  test.each(BACKENDS.flatMap((b) => (["float32", "float64"] as const).map((d) => [b, d] as const)))(
    "%s · %s: lstm and gru, taped = inference = step(), near the float64 reference",
    (backend, dtype) => {
      for (const name of ["lstm", "gru"] as const) {
        const cell = CATALOGUE[name]();
        const sizes = { inputSize: 6, hiddenSize: 11 };
        const k = compileCell(cell, { ...sizes, dtype, backend });
        const ref = referenceKernel(cell, sizes);
        const p = ref.initParams({ seed: 4 });
        const pk = k.params();
        for (const s of k.layout) pk.get(s.name).set(p.get(s.name));
        const x = rand(9 * 6, 5);
        const taped = k.forward(pk, x, { batch: 1 });
        const inf = k.forward(pk, x, { batch: 1, tape: false });
        expect(inf.output).toEqual(taped.output);
        expect(inf.final).toEqual(taped.final);
        const st = k.initialState(pk, { batch: 1 });
        const ys = Array.from({ length: 9 }, (_, t) =>
          Array.from(k.step(st, x.subarray(t * 6, t * 6 + 6))),
        );
        expect(ys.flat()).toEqual(Array.from(taped.output));
        const r = ref.forward(p, x, { batch: 1 });
        const tol = dtype === "float64" ? 1e-12 : 1e-5;
        expect(maxRel(taped.output, r.output), `${name} output`).toBeLessThanOrEqual(tol);
        const cot = { output: rand(9 * k.outputSize, 6) };
        const g = k.backward(taped, cot);
        const gr = ref.backward(r, cot);
        expect(maxRel(g.input, gr.input), `${name} ∂x`).toBeLessThanOrEqual(tol);
        for (const s of k.layout)
          expect(
            maxRel(g.params.get(s.name), gr.params.get(s.name)),
            `${name} ∂${s.name}`,
          ).toBeLessThanOrEqual(tol);
      }
    },
  );
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
    const out = nodeChild(script, {
      params: Array.from(p.data),
      x: Array.from(x),
      initial: Object.fromEntries(Object.entries(initial).map(([n, v]) => [n, Array.from(v)])),
    }) as { output: number[]; h: number[]; ys: number[] };
    expect(out.output).toEqual(Array.from(taped.output));
    expect(out.h).toEqual(Array.from(taped.final["h"]!));
    expect(out.ys).toEqual(Array.from(full.output));
  });
});

/** Runs `script` (an ES module reading JSON on stdin) in a child node with relaxed SIMD on. */
const relaxedChild = (script: string, input: unknown) =>
  nodeChild(script, input, ["--experimental-wasm-relaxed-simd"]);

describe.runIf(BACKENDS.includes("wasm"))("relaxed SIMD: fused multiply-add products", () => {
  test("fma: true, where the engine has them: float32 within 1e-5 of float64, inference = taped", () => {
    for (const name of ["lstm", "gru"] as const) {
      const cell = CATALOGUE[name]();
      const sizes = { inputSize: 9, hiddenSize: 13 };
      const k = compileCell(cell, { ...sizes, dtype: "float32", backend: "wasm", fma: true });
      const ref = referenceKernel(cell, sizes);
      const p = ref.initParams({ seed: 2 });
      const pk = k.params();
      for (const s of k.layout) pk.get(s.name).set(p.get(s.name));
      const Tn = 6,
        Bn = 5,
        lens = [6, 4, 0, 6, 1];
      const x = rand(Tn * Bn * 9, 3);
      const cot = { output: rand(Tn * Bn * k.outputSize, 4) };
      const src = emitModule(k);
      // the module's own FMA product bytes: what it validates to choose them; a kernel compiled
      // without fma has none (the same bits on every engine)
      const fma = /const \$fmaBytes = Uint8Array\.from\(atob\("([^"]+)"\)/.exec(src)?.[1];
      expect(fma, "the kernel carries the FMA products").toBeDefined();
      const plain = compileCell(cell, { ...sizes, dtype: "float32", backend: "wasm" });
      expect(plain.source).not.toContain("$fmaBytes");
      const dir = mkdtempSync(join(tmpdir(), "gated-fma-"));
      const mod = join(dir, "kernel.mjs");
      writeFileSync(mod, src);
      const out = relaxedChild(
        `import * as k from ${JSON.stringify(`file://${mod}`)};
        import { readFileSync } from "node:fs";
        const d = JSON.parse(readFileSync(0, "utf8"));
        const relaxed = WebAssembly.validate(Uint8Array.from(atob(d.fma), (c) => c.charCodeAt(0)));
        const p = k.params(d.params);
        const o = { batch: ${Bn}, lengths: ${JSON.stringify(lens)} };
        const run = k.forward(p, d.x, o);
        const inf = k.forward(p, d.x, { ...o, tape: false });
        const g = k.backward(run, d.cot);
        process.stdout.write(JSON.stringify({ relaxed, output: Array.from(run.output), infer: Array.from(inf.output),
          dparams: Array.from(g.params.data), dx: Array.from(g.input) }));`,
        {
          fma,
          params: Array.from(pk.data),
          x: Array.from(x),
          cot: { output: Array.from(cot.output) },
        },
      ) as Record<string, number[]> & { relaxed: boolean };
      if (!out.relaxed) {
        console.warn(
          "relaxed SIMD test skipped: this node has no relaxed SIMD, even with the flag",
        );
        return;
      }
      const r = ref.forward(p, x, { batch: Bn, lengths: lens });
      const g = ref.backward(r, cot);
      expect(out.infer).toEqual(out.output);
      expect(maxRel(out.output, r.output), `${name} output`).toBeLessThanOrEqual(1e-5);
      expect(maxRel(out.dx, g.input), `${name} ∂x`).toBeLessThanOrEqual(1e-5);
      const pr = k.params(out.dparams);
      for (const s of k.layout)
        expect(
          maxRel(pr.get(s.name), g.params.get(s.name)),
          `${name} ∂${s.name}`,
        ).toBeLessThanOrEqual(1e-5);
    }
  });
});
