/**
 * The emitted module: written to a file and imported by a child node process, it gives the same
 * numbers as the in-memory kernel; `step()` streaming equals `forward`; types and minified
 * output are valid.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CompiledKernel,
  compileCell,
  emitModule,
  emitTypes,
  minifyModule,
  printSchedule,
} from "@gated/codegen";
import ts from "typescript";
import { describe, expect, test } from "vitest";
import { gru, lstm } from "./codegenCells.js";
import { BACKENDS, maxRel, nodeChild, rand } from "./codegenCompare.js";

const I = 3,
  H = 4,
  T = 6,
  B = 3;
const lengths = [6, 3, 0];

function inputs(k: CompiledKernel) {
  const x = rand(T * B * I, 7);
  const initial = Object.fromEntries(
    Object.entries(k.stateSizes).map(([n, w], i) => [n, rand(B * w, 30 + i)]),
  );
  const cot = {
    output: rand(T * B * k.outputSize, 8),
    final: Object.fromEntries(
      Object.entries(k.stateSizes).map(([n, w], i) => [n, rand(B * w, 40 + i)]),
    ),
  };
  return { x, initial, cot };
}

/** Runs forward and backward in a child process importing the module from a file. */
function runInChild(
  source: string,
  params: ArrayLike<number>,
  data: ReturnType<typeof inputs>,
): Record<string, number[]> {
  const dir = mkdtempSync(join(tmpdir(), "gated-codegen-"));
  const mod = join(dir, "kernel.mjs");
  writeFileSync(mod, source);
  const script = `
    import * as k from ${JSON.stringify("file://" + mod)};
    import { readFileSync } from "node:fs";
    const d = JSON.parse(readFileSync(0, "utf8"));
    const p = k.params(d.params);
    const run = k.forward(p, d.x, { batch: ${B}, initial: d.initial, lengths: ${JSON.stringify(lengths)} });
    const g = k.backward(run, d.cot);
    const out = { output: Array.from(run.output), dparams: Array.from(g.params.data), dx: Array.from(g.input) };
    for (const [n, v] of Object.entries(run.final)) out["final_" + n] = Array.from(v);
    for (const [n, v] of Object.entries(g.initial)) out["d0_" + n] = Array.from(v);
    process.stdout.write(JSON.stringify(out));`;
  return nodeChild(script, {
    params: Array.from(params),
    x: Array.from(data.x),
    initial: Object.fromEntries(Object.entries(data.initial).map(([n, v]) => [n, Array.from(v)])),
    cot: {
      output: Array.from(data.cot.output),
      final: Object.fromEntries(Object.entries(data.cot.final).map(([n, v]) => [n, Array.from(v)])),
    },
  }) as Record<string, number[]>;
}

function inMemory(
  k: CompiledKernel,
  params: ArrayLike<number>,
  data: ReturnType<typeof inputs>,
): Record<string, ArrayLike<number>> {
  const p = k.params(params);
  const run = k.forward(p, data.x, { batch: B, initial: data.initial, lengths });
  const g = k.backward(run, data.cot);
  const out: Record<string, ArrayLike<number>> = {
    output: run.output,
    dparams: g.params.data,
    dx: g.input,
  };
  for (const [n, v] of Object.entries(run.final)) out[`final_${n}`] = v;
  for (const [n, v] of Object.entries(g.initial)) out[`d0_${n}`] = v;
  return out;
}

describe.each(BACKENDS)("%s: emitModule", (backend) => {
  for (const dtype of ["float64", "float32"] as const) {
    test(`module in a child process = in-memory kernel (lstm, ${dtype}, masked)`, () => {
      const k = compileCell(lstm(), { backend, inputSize: I, hiddenSize: H, dtype });
      const data = inputs(k);
      const params = k.initParams({ seed: 2 }).data;
      const a = inMemory(k, params, data);
      const b = runInChild(emitModule(k), params, data);
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const key of Object.keys(a))
        expect(Array.from(b[key]!), key).toEqual(Array.from(a[key]!));
    });
  }

  test("minified module (esbuild) gives the same numbers", async () => {
    const k = compileCell(gru(), { backend, inputSize: I, hiddenSize: H });
    const data = inputs(k);
    const params = k.initParams({ seed: 4 }).data;
    const min = await minifyModule(emitModule(k));
    expect(min.length).toBeLessThan(emitModule(k).length);
    const a = inMemory(k, params, data);
    const b = runInChild(min, params, data);
    for (const key of Object.keys(a)) expect(Array.from(b[key]!), key).toEqual(Array.from(a[key]!));
  });

  test("emitTypes is valid TypeScript declaring the module's exports", () => {
    const k = compileCell(lstm(), { backend, inputSize: I, hiddenSize: H, dtype: "float32" });
    const dts = emitTypes(k);
    const r = ts.transpileModule(dts, { reportDiagnostics: true, fileName: "kernel.ts" });
    expect(r.diagnostics ?? []).toEqual([]);
    for (const name of ["layout", "info", "params", "forward", "backward", "initialState", "step"])
      expect(dts).toContain(` ${name}`);
    expect(dts).toContain('export type StateName = "h" | "c";');
    expect(dts).toContain("Float32Array");
  });

  test("compiling twice emits identical text (deterministic)", () => {
    expect(emitModule(compileCell(lstm(), { backend, inputSize: I, hiddenSize: H }))).toBe(
      emitModule(compileCell(lstm(), { backend, inputSize: I, hiddenSize: H })),
    );
    expect(
      printSchedule(compileCell(gru(), { backend, inputSize: I, hiddenSize: H }).schedule),
    ).toBe(printSchedule(compileCell(gru(), { backend, inputSize: I, hiddenSize: H }).schedule));
  });
});

describe.each(BACKENDS)("%s: step(): streaming keeps state between calls", (backend) => {
  for (const cell of [lstm, gru]) {
    test(`${cell.name}: T calls of step = forward over the sequence`, () => {
      const k = compileCell(cell(), { backend, inputSize: I, hiddenSize: H });
      const p = k.initParams({ seed: 5 });
      const x = rand(T * B * I, 9);
      const run = k.forward(p, x, { batch: B });
      const state = k.initialState(p, { batch: B });
      for (let t = 0; t < T; t++) {
        const y = k.step(state, x.subarray(t * B * I, (t + 1) * B * I));
        expect(maxRel(y, run.output.subarray(t * B * H, (t + 1) * B * H))).toBeLessThanOrEqual(
          1e-15,
        );
      }
      for (const n of Object.keys(run.final))
        expect(maxRel(state.values[n]!, run.final[n]!)).toBeLessThanOrEqual(1e-15);
    });
  }
});

describe.each(BACKENDS)("%s: edges", (backend) => {
  test("the module has no imports; a run only goes back through its own kernel", () => {
    const a = compileCell(lstm(), { backend, inputSize: I, hiddenSize: H });
    const b = compileCell(lstm(), { backend, inputSize: I, hiddenSize: H + 1 });
    expect(emitModule(a)).not.toMatch(/^\s*import\b|\bimport\s*\(|\brequire\s*\(/m);
    const run = a.forward(a.initParams(), rand(2 * I, 1), { batch: 1 });
    expect(() => b.backward(run, {})).toThrow(/did not come from this kernel/);
  });
  test("empty sequences: final = initial, ∂initial = ∂final", () => {
    const k = compileCell(gru(), { backend, inputSize: I, hiddenSize: H });
    const h0 = rand(2 * H, 3);
    const run = k.forward(k.initParams(), new Float64Array(0), { batch: 2, initial: { h: h0 } });
    expect(run.T).toBe(0);
    expect(Array.from(run.final["h"]!)).toEqual(Array.from(h0));
    const g = k.backward(run, { final: { h: h0 } });
    expect(Array.from(g.initial["h"]!)).toEqual(Array.from(h0));
    expect(g.params.data.every((v) => v === 0)).toBe(true);
  });
  test("errors name what is wrong", () => {
    const k = compileCell(lstm(), { backend, inputSize: I, hiddenSize: H });
    const p = k.initParams();
    expect(() => p.get("W_x")).toThrow(/unknown parameter "W_x"/);
    expect(() => k.forward(p, new Float64Array(5), { batch: 2 })).toThrow(/not a multiple of B·I/);
    expect(() => k.forward(p, new Float64Array(6), { batch: 2, initial: { q: [1] } })).toThrow(
      /unknown state "q"/,
    );
    expect(() => k.forward(p, new Float64Array(6), { batch: 2, lengths: [1, 2] })).toThrow(
      /lengths\[1\] = 2/,
    );
  });
});
